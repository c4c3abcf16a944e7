import { randomUUID } from 'node:crypto';
import type { Challenge } from '../../core/challenge.js';
import type { Outcome } from '../../core/outcome.js';
import type { ChallengeRunResult } from '../../core/run-challenges.js';
import { runOverChallengeList } from '../shared/challenge-list.js';
import type { Submission } from '../../core/submission.js';
import type { RunContext } from '../../runtime/context.js';
import { formatDuration } from '../../runtime/duration.js';
import { cancelCandidate, type CancelContext } from './act.js';
import { openAuditLog, type AuditFs } from './audit-log.js';
import { reconcileOpenCancellations } from './reconcile.js';
import { decideSubmission } from './decide.js';
import { observeChallenge, type ChallengeObservation, type ObserveState } from './observe.js';
import type { CancelStalePolicy } from './policy.js';

export interface CancelStaleOptions {
  /** The JSON-lines audit log; opened (created) before anything is sent, except in --dry-run. */
  auditLogPath: string;
  /** The audit log's file operations (tests inject failing ones). */
  auditFs?: AuditFs;
  /** How the audit log is read back for reconciliation (tests inject failures). */
  readAuditLog?: (path: string) => string;
}

/**
 * cancel-stale: for every challenge, observe (metrics first, then one listing per status that has
 * submissions), decide per submission (pure), act (re-check, audit, PUT cancel), report one outcome
 * per stale submission plus one per challenge without any (or whose listing failed).
 */
export async function runCancelStale(ctx: RunContext, policy: CancelStalePolicy, opts: CancelStaleOptions): Promise<ChallengeRunResult> {
  const audit = ctx.dryRun ? null : openAuditLog(opts.auditLogPath, opts.auditFs);
  const runId = randomUUID();
  const observeState: ObserveState = { metricsForbidden: false };
  const submissionOutcomes: Outcome[] = [];
  /** Challenges fully described by their submission outcomes: their challenge outcome is dropped. */
  const represented = new Set<number>();
  let notReached = 0;
  ctx.logger.info({ run: runId, auditLog: audit?.path, thresholdSeconds: policy.thresholdMs / 1000, statuses: policy.statuses }, 'cancel-stale policy');

  try {
    // First settle what earlier runs left open (a cancel whose answer was lost), so the log ends true.
    if (audit) {
      const reconciled = await reconcileOpenCancellations(ctx, audit, { runId, ...(opts.readAuditLog ? { readText: opts.readAuditLog } : {}) });
      submissionOutcomes.push(...reconciled.outcomes);
      if (reconciled.fatal) return { outcomes: submissionOutcomes, entriesRead: 0, fatal: reconciled.fatal };
    }
    // A challenge whose stale submissions speak for it (represented) is never reported on its own;
    // the others go to the run's own keep (an unchanged one is counted, not kept, unless the report
    // prints every challenge): memory grows with what happened, not with the list (issue 13).
    const keep = (o: Outcome): boolean => !represented.has(o.challengeId) && (ctx.keepOutcome?.(o) ?? true);
    const result = await runOverChallengeList({ ...ctx, keepOutcome: keep }, async (challenge: Challenge): Promise<Outcome> => {
      const observation = await observeChallenge(ctx, challenge, policy, observeState);
      const { candidates, outcomes, notStale, problems } = triage(challenge, observation, policy, ctx);
      // Recorded as they happen: if the run stops (token rejected), what was done is still reported.
      submissionOutcomes.push(...outcomes);
      const cancelCtx: CancelContext = { ctx, challenge, policy, audit, runId, recheck: { byId: true } };
      for (const { submission, decision } of candidates) {
        if (ctx.deadline.expired()) {
          // Past the deadline no new cancellation starts; the next run finds these again.
          notReached++;
          continue;
        }
        const outcome = await cancelCandidate(cancelCtx, submission, decision);
        logSubmission(ctx, outcome);
        submissionOutcomes.push(outcome);
      }
      return challengeOutcome(challenge, observation, policy, { stale: candidates.length, untrusted: outcomes.length, notStale, problems }, represented);
    });
    const outcomes = [...result.outcomes, ...submissionOutcomes];
    outcomes.sort((a, b) => b.challengeId - a.challengeId || (a.submissionId ?? 0) - (b.submissionId ?? 0));
    if (notReached) ctx.logger.warn({ notReached }, 'deadline passed: stale submissions left for the next run');
    return { ...result, outcomes, ...(notReached ? { deadlineReached: true, notReached: (result.notReached ?? 0) + notReached } : {}) };
  } finally {
    audit?.close();
  }
}

interface Triage {
  candidates: Array<{ submission: Submission; decision: ReturnType<typeof decideSubmission> }>;
  /** Outcomes of submissions whose data cannot be trusted (failed, never cancelled). */
  outcomes: Outcome[];
  notStale: number;
  /** Malformed elements without an id: reported on the challenge. */
  problems: string[];
}

function triage(challenge: Challenge, observation: ChallengeObservation, policy: CancelStalePolicy, ctx: RunContext): Triage {
  const t: Triage = { candidates: [], outcomes: [], notStale: 0, problems: [] };
  const seen = new Set<number>();
  const now = ctx.now();
  for (const { entries } of observation.listed) {
    for (const entry of entries) {
      if (!entry.ok) {
        if (entry.id === null) t.problems.push(entry.error.message);
        else {
          const outcome: Outcome = { challengeId: challenge.id, title: challenge.title, submissionId: entry.id, action: 'none', reason: 'submission data cannot be trusted; not cancelled', status: 'failed', error: entry.error.message };
          logSubmission(ctx, outcome);
          t.outcomes.push(outcome);
        }
        continue;
      }
      const s = entry.submission;
      if (seen.has(s.id)) continue; // Listed twice (its status changed between two listings): once is enough.
      seen.add(s.id);
      const decision = decideSubmission(s, policy, now);
      if (decision.action === 'cancel') t.candidates.push({ submission: s, decision });
      else {
        t.notStale++;
        ctx.logger.debug({ challenge: challenge.id, submission: s.id, reason: decision.reason, ...decision.facts }, 'not stale');
      }
    }
  }
  return t;
}

function challengeOutcome(
  challenge: Challenge,
  observation: ChallengeObservation,
  policy: CancelStalePolicy,
  n: { stale: number; untrusted: number; notStale: number; problems: string[] },
  represented: Set<number>,
): Outcome {
  const base = { challengeId: challenge.id, title: challenge.title, action: 'none' };
  const listedCounts = Object.fromEntries(observation.listed.map((l) => [l.status, l.entries.length]));
  const facts = {
    ...(observation.pending ? { pending: observation.pending.byStatus } : {}),
    ...(observation.metricsNote ? { metrics: observation.metricsNote } : {}),
    listed: listedCounts,
    stale: n.stale,
    notStale: n.notStale,
    untrusted: n.untrusted,
  };
  const errors = [...observation.listingErrors.map((e) => e.error), ...n.problems];
  if (errors.length) {
    const failedStatuses = observation.listingErrors.map((e) => e.status);
    const what = failedStatuses.length ? `submissions in ${failedStatuses.join('/')} could not be listed` : 'some listed submissions cannot be trusted';
    const rest = n.stale ? `; ${n.stale} stale submission${n.stale === 1 ? '' : 's'} in the other statuses handled` : '';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return { ...base, reason: `${what}${rest}`, facts, status: 'failed', error: `${errors[0]}${more}` };
  }
  if (n.stale + n.untrusted > 0) {
    // Reported through its submission outcomes; this line only goes to the log.
    represented.add(challenge.id);
    const untrusted = n.untrusted ? `, ${n.untrusted} untrusted` : '';
    return { ...base, reason: `${n.stale} stale submission${n.stale === 1 ? '' : 's'}, ${n.notStale} not stale${untrusted}`, facts, status: 'unchanged' };
  }
  if (observation.listed.length === 0) {
    return { ...base, reason: `no submission in ${policy.statuses.join('/')} per the metrics; nothing listed`, facts, status: 'unchanged' };
  }
  const listed = observation.listed.reduce((sum, l) => sum + l.entries.length, 0);
  return { ...base, reason: `${listed} in ${Object.keys(listedCounts).join('/')}, none older than ${formatDuration(policy.thresholdMs)}`, facts, status: 'unchanged' };
}

function logSubmission(ctx: RunContext, o: Outcome): void {
  const fields = { ...o.facts, challenge: o.challengeId, submission: o.submissionId, action: o.action, status: o.status, reason: o.reason, error: o.error };
  if (o.status === 'failed') ctx.logger.error(fields, 'submission');
  else ctx.logger.info(fields, 'submission');
}
