import type { Outcome, OutcomeStatus } from './outcome.js';
import type { OutcomeTally } from './outcome-tally.js';
import { challengeLabel } from './challenge.js';
import { cleanStrings, cleanText, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS } from '../runtime/sanitize.js';

export interface RunReport {
  command: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  /** Run-level problems: a page of the challenge list that could not be read, a rejected token. */
  errors: string[];
  /**
   * Per status, over the challenge outcomes; `challenges` is the number of distinct challenges.
   * `submissions` (cancel-stale) counts the outcomes about single submissions, apart.
   */
  counts: Record<OutcomeStatus, number> & { challenges: number; submissions?: SubmissionCounts };
  /** Per action, how many were done (or planned in a dry run). */
  actions: Record<string, number>;
  outcomes: Outcome[];
  /** Log lines that could not be written (a full disk, a closed pipe): the work went on. */
  logLinesDropped?: { lines: number; error: string };
}

export type SubmissionCounts = Record<OutcomeStatus, number> & { total: number };

/** The counts of the outcomes kept plus those only tallied (not kept, see OutcomeTally). */
export function countOutcomes(outcomes: Outcome[], tally?: OutcomeTally): Pick<RunReport, 'counts' | 'actions'> {
  const ids = new Set(outcomes.map((o) => o.challengeId));
  for (const id of tally?.ids ?? []) ids.add(id);
  const counts: RunReport['counts'] = { challenges: ids.size, done: 0, planned: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const [status, n] of Object.entries(tally?.counts ?? {}) as Array<[OutcomeStatus, number]>) counts[status] += n;
  for (const o of outcomes) {
    if (o.submissionId === undefined) counts[o.status]++;
    else {
      counts.submissions ??= { total: 0, done: 0, planned: 0, unchanged: 0, skipped: 0, failed: 0 };
      counts.submissions.total++;
      counts.submissions[o.status]++;
    }
  }
  return { counts, actions: actionsOf(outcomes) };
}

/** One human line per challenge something happened to (all of them with verbose), then a summary. */
export function formatHuman(report: RunReport, verbose: boolean): string {
  const lines: string[] = [];
  for (const o of report.outcomes) {
    const interesting = o.status === 'done' || o.status === 'planned' || o.status === 'failed' || deferredAction(o) !== undefined;
    if (!interesting && !verbose) continue;
    lines.push(formatOutcome(o, report.dryRun));
  }
  for (const e of report.errors) lines.push(`error: ${cleanText(e)}`);
  lines.push(formatSummary(report));
  return lines.join('\n') + '\n';
}

export function formatOutcome(o: Outcome, dryRun: boolean): string {
  const tag = o.status === 'planned' ? (dryRun ? 'would ' : '') + o.action : o.status === 'done' ? o.action : o.status;
  const error = o.error ? `: ${cleanText(o.error)}` : '';
  const submission = o.submissionId === undefined ? '' : ` submission ${o.submissionId}:`;
  const title = o.title === undefined ? undefined : cleanText(o.title, MAX_TITLE_CHARS);
  return `challenge ${challengeLabel({ id: o.challengeId, title })}:${submission} ${cleanText(tag)} - ${cleanText(o.reason)}${error}`;
}

/**
 * The report as it leaves the process (--json, the status file): every string that may come from
 * the server (titles, errors, reasons, facts) kept short and free of control characters.
 */
export function boundedReport(report: RunReport): RunReport {
  return {
    ...report,
    errors: report.errors.map((e) => cleanText(e)),
    outcomes: report.outcomes.map((o) => ({
      ...o,
      ...(o.title === undefined ? {} : { title: cleanText(o.title, MAX_TITLE_CHARS) }),
      reason: cleanText(o.reason),
      ...(o.error === undefined ? {} : { error: cleanText(o.error) }),
      ...(o.facts === undefined ? {} : { facts: cleanStrings(o.facts, MAX_MESSAGE_CHARS) }),
    })),
  };
}

export function formatSummary(r: RunReport): string {
  const verb = r.dryRun ? 'would ' : '';
  const acted = (submissions: boolean) =>
    Object.entries(actionsOf(r.outcomes.filter((o) => (o.submissionId !== undefined) === submissions))).map(([action, n]) => `${verb}${action} ${n}`);
  // A challenge whose outcomes are all about its submissions (cancel-stale) has no status of its
  // own: counted apart, so the parts add up to the number of challenges.
  const withOwnOutcome = new Set(r.outcomes.filter((o) => o.submissionId === undefined).map((o) => o.challengeId));
  const bySubmission = new Set(r.outcomes.filter((o) => o.submissionId !== undefined && !withOwnOutcome.has(o.challengeId)).map((o) => o.challengeId)).size;
  const parts = [
    `${r.counts.challenges} challenge${r.counts.challenges === 1 ? '' : 's'}`,
    ...acted(false),
    `${r.counts.unchanged} unchanged${deferredNote(r.outcomes)}`,
    ...(bySubmission ? [`${bySubmission} handled by submission`] : []),
    `${r.counts.skipped} skipped`,
    `${r.counts.failed} failed`,
  ];
  const s = r.counts.submissions;
  const submissionPart = s
    ? `; ${s.total} submission${s.total === 1 ? '' : 's'}: ${[...acted(true), ...(s.unchanged ? [`${s.unchanged} unchanged`] : []), `${s.skipped} skipped`, `${s.failed} failed`].join(', ')}`
    : '';
  if (r.errors.length) parts.push(`${r.errors.length} run error${r.errors.length === 1 ? '' : 's'}`);
  const dropped = r.logLinesDropped ? `; ${r.logLinesDropped.lines} log line${r.logLinesDropped.lines === 1 ? '' : 's'} could not be written (${r.logLinesDropped.error})` : '';
  return `${r.command}${r.dryRun ? ' (dry run)' : ''}: ${parts.join(', ')}${submissionPart}${dropped}; exit ${r.exitCode}`;
}

/**
 * The action a run decided but the server (or AWS) put off, e.g. an EC2 stop before the instance's
 * status checks passed. A dry run cannot see this; the real run says it without --verbose.
 */
function deferredAction(o: Outcome): string | undefined {
  const d = o.facts?.deferred;
  return o.status === 'unchanged' && o.submissionId === undefined && typeof d === 'string' ? d : undefined;
}

/** " (1 stop deferred)" when some of the unchanged challenges had their action put off. */
function deferredNote(outcomes: Outcome[]): string {
  const byAction: Record<string, number> = {};
  for (const o of outcomes) {
    const d = deferredAction(o);
    if (d) byAction[d] = (byAction[d] ?? 0) + 1;
  }
  const parts = Object.entries(byAction).map(([action, n]) => `${n} ${action} deferred`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function actionsOf(outcomes: Outcome[]): Record<string, number> {
  const actions: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.status === 'done' || o.status === 'planned') actions[o.action] = (actions[o.action] ?? 0) + 1;
  }
  return actions;
}
