import { readFileSync } from 'node:fs';
import type { Outcome } from '../../core/outcome.js';
import type { RunContext } from '../../runtime/context.js';
import { describeError } from '../../runtime/errors.js';
import { isEvalAIError, isRunFatal } from '../../evalai/errors.js';
import { getSubmission, listSubmissions } from '../../evalai/submissions.js';
import { openCancellations, type OpenCancellation } from './audit-ledger.js';
import type { AuditLog } from './audit-log.js';
import type { AuditReconciled } from './notice.js';

export interface ReconcileOptions {
  runId: string;
  /** Reads the log back (tests inject failures). */
  readText?: (path: string) => string;
}

type Finding = Pick<AuditReconciled, 'result' | 'status' | 'readBy' | 'detail'>;

/**
 * Before a (non-dry) run cancels anything: every cancellation the audit log leaves open (an
 * `about-to-cancel` without a final line, or a `cancel-unknown`) is settled by reading the
 * submission, by id while the token may (else from the challenge's `cancelled` listing), and a
 * `reconciled` line records what happened: cancelled, not cancelled, or still unknown when it cannot
 * be read (tried again by the next run). One outcome per open cancellation settled; a rejected token
 * stops it (`fatal`), with the outcomes so far.
 */
export async function reconcileOpenCancellations(ctx: RunContext, audit: AuditLog, opts: ReconcileOptions): Promise<{ outcomes: Outcome[]; fatal?: unknown }> {
  const readText = opts.readText ?? ((path: string) => readFileSync(path, 'utf8'));
  let text: string;
  try {
    text = readText(audit.path);
  } catch (err) {
    ctx.logger.error({ auditLog: audit.path, error: describeError(err) }, 'audit log: could not be read back; open cancellations not checked');
    return { outcomes: [{ challengeId: 0, action: 'reconcile', reason: `the audit log ${audit.path} could not be read back; cancellations left open by earlier runs were not checked`, status: 'failed', error: describeError(err) }] };
  }
  const ledger = openCancellations(text);
  if (ledger.unreadable) ctx.logger.warn({ auditLog: audit.path, unreadable: ledger.unreadable }, 'audit log: lines that are not audit records were skipped');
  // Another EvalAI's cancellations (a log shared by two cron lines) are left to the runs against it.
  const open = ledger.open.filter((o) => o.origin === ctx.transport.origin);
  if (open.length < ledger.open.length) ctx.logger.debug({ otherServers: ledger.open.length - open.length }, 'audit log: open cancellations of another EvalAI left alone');
  if (open.length === 0) return { outcomes: [] };
  ctx.logger.info({ open: open.length }, 'audit log: reconciling cancellations left open by earlier runs');

  const state: ReadState = { byId: true, cancelledListing: new Map() };
  const outcomes: Outcome[] = [];
  for (const cancellation of open) {
    if (ctx.deadline.expired()) {
      ctx.logger.warn({ left: open.length - outcomes.length }, 'deadline passed: open cancellations left for the next run');
      break;
    }
    let finding: Finding;
    try {
      finding = await readOutcome(ctx, cancellation, state);
    } catch (err) {
      if (isRunFatal(err)) return { outcomes, fatal: err };
      throw err;
    }
    const record: AuditReconciled = {
      event: 'reconciled',
      time: ctx.now().toUTC().toISO({ suppressMilliseconds: true }) ?? '',
      run: cancellation.run,
      reconciledBy: opts.runId,
      origin: ctx.transport.origin,
      challengeId: cancellation.challengeId,
      submissionId: cancellation.submissionId,
      ...finding,
    };
    outcomes.push(outcomeOf(ctx, audit, cancellation, record));
  }
  return { outcomes };
}

interface ReadState {
  /** Reads by id until the server says this token may not (staff who are not hosts). */
  byId: boolean;
  /** The ids in each challenge's `cancelled` listing, read once per challenge. */
  cancelledListing: Map<number, Set<number> | { error: string }>;
}

async function readOutcome(ctx: RunContext, open: OpenCancellation, state: ReadState): Promise<Finding> {
  if (open.supersededBy) {
    const { run, status } = open.supersededBy;
    return { result: 'not-cancelled', status, readBy: 'audit-log', detail: `run ${run} re-read it as "${status}" before its own cancel` };
  }
  let byIdError: string | undefined;
  if (state.byId) {
    await ctx.transport.pace();
    try {
      const s = await getSubmission(ctx.transport, open.submissionId, { prepaced: true });
      return s.status === 'cancelled'
        ? { result: 'cancelled', status: s.status, readBy: 'id', detail: 'the submission is cancelled' }
        : { result: 'not-cancelled', status: s.status, readBy: 'id', detail: `the submission is "${s.status}", not cancelled` };
    } catch (err) {
      if (isRunFatal(err)) throw err;
      if (isEvalAIError(err, 'not-authorised')) state.byId = false;
      byIdError = describeError(err);
    }
  }
  let listed = state.cancelledListing.get(open.challengeId);
  if (!listed) {
    await ctx.transport.pace();
    try {
      const entries = await listSubmissions(ctx.transport, open.challengeId, 'cancelled', { prepaced: true });
      listed = new Set(entries.map((e) => (e.ok ? e.submission.id : e.id)).filter((id): id is number => id !== null));
    } catch (err) {
      if (isRunFatal(err)) throw err;
      listed = { error: describeError(err) };
    }
    state.cancelledListing.set(open.challengeId, listed);
  }
  if (!(listed instanceof Set)) {
    const errors = [byIdError, listed.error].filter(Boolean).join('; ');
    return { result: 'unknown', detail: `the submission could not be read: ${errors}` };
  }
  return listed.has(open.submissionId)
    ? { result: 'cancelled', status: 'cancelled', readBy: 'listing', detail: "in the challenge's cancelled listing" }
    : { result: 'not-cancelled', readBy: 'listing', detail: "not in the challenge's cancelled listing" };
}

function outcomeOf(ctx: RunContext, audit: AuditLog, open: OpenCancellation, record: AuditReconciled): Outcome {
  const base = { challengeId: open.challengeId, submissionId: open.submissionId, action: 'reconcile' };
  const facts = { ofRun: open.run, lastLine: open.last, result: record.result, ...(record.status ? { status: record.status } : {}), ...(record.readBy ? { readBy: record.readBy } : {}) };
  const what = `the cancel sent by run ${open.run} (audit log: ${open.last}, no final line)`;
  try {
    audit.append(record);
  } catch (err) {
    return { ...base, reason: `${what}: ${record.result}, but that could not be recorded; the next run checks again`, facts, status: 'failed', error: describeError(err) };
  }
  const outcome: Outcome =
    record.result === 'unknown'
      ? { ...base, reason: `${what}: still unknown whether it was cancelled; the next run checks again`, facts, status: 'failed', error: record.detail }
      : { ...base, reason: `${what}: ${record.result === 'cancelled' ? 'it was cancelled' : 'it was not cancelled'} (${record.detail}); recorded`, facts, status: 'done' };
  const fields = { ...facts, challenge: open.challengeId, submission: open.submissionId, reason: outcome.reason, error: outcome.error };
  if (outcome.status === 'failed') ctx.logger.error(fields, 'reconcile');
  else ctx.logger.info(fields, 'reconcile');
  return outcome;
}
