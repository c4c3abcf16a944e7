import { refusedByGuard } from '../../core/carry-out.js';
import type { Challenge } from '../../core/challenge.js';
import type { Decision, Outcome } from '../../core/outcome.js';
import type { Submission } from '../../core/submission.js';
import type { RunContext } from '../../runtime/context.js';
import { describeError } from '../../runtime/errors.js';
import { isEvalAIError, isRunFatal, mayHaveActed } from '../../evalai/errors.js';
import { cancelSubmission, getSubmission, listSubmissions } from '../../evalai/submissions.js';
import type { AuditLog } from './audit-log.js';
import { recheckDecision, type SubmissionAction } from './decide.js';
import { auditIntent, cancellationNotice, type AuditResult } from './notice.js';
import type { CancelStalePolicy, CandidateStatus } from './policy.js';

/** Per challenge: how its submissions can be re-read just before cancelling. */
export interface RecheckState {
  /**
   * Start by id (submission by pk, contract Appendix A); the server refuses it with 401 to staff who
   * are not hosts of the challenge, after which the challenge's fresh listing is used instead.
   */
  byId: boolean;
}

export interface CancelContext {
  ctx: RunContext;
  challenge: Challenge;
  policy: CancelStalePolicy;
  /** null in --dry-run (nothing is written). */
  audit: AuditLog | null;
  runId: string;
  recheck: RecheckState;
}

/**
 * Carries out one `cancel` decision: re-reads the submission (by id, else from a fresh listing of the
 * challenge in the status it was listed in), cancels only if it is still the same, still in that
 * status and still stale, writes the audit intent (flushed) before the PUT and the result after.
 * The re-check and the PUT are paced together beforehand, so no pacing wait separates them.
 */
export async function cancelCandidate(c: CancelContext, listed: Submission, decision: Decision<SubmissionAction>): Promise<Outcome> {
  const { ctx, challenge, policy } = c;
  const base = { challengeId: challenge.id, title: challenge.title, submissionId: listed.id, action: 'cancel' };
  const refused = refusedByGuard(ctx.guard, `submission:${listed.id}`, { ...base, reason: decision.reason, facts: decision.facts });
  if (refused) return refused;
  if (c.ctx.dryRun || !c.audit) return { ...base, reason: decision.reason, facts: decision.facts, status: 'planned' };
  const audit = c.audit;

  // The PUT's slot in the client-side budget, taken before the re-check.
  await ctx.transport.pace();
  const reread = await recheck(c, listed);
  if (!reread.ok) {
    return { ...base, reason: 'could not re-check the submission just before cancelling; not cancelled', facts: decision.facts, status: 'failed', error: reread.error };
  }
  const recheckedAt = Date.now();
  const now = ctx.now();
  const verdict = recheckDecision(listed, reread.fresh, policy, now);
  if (verdict.action === 'skip' || !reread.fresh) {
    return { ...base, reason: verdict.reason, facts: { ...decision.facts, recheckedBy: reread.by }, status: 'skipped' };
  }
  const fresh = reread.fresh;
  const facts = { ...verdict.facts, recheckedBy: reread.by };
  const stderr = cancellationNotice(fresh, policy, now);

  try {
    audit.append(auditIntent({ run: c.runId, origin: ctx.transport.origin, challenge, submission: fresh, policy, now, recheckedBy: reread.by, stderrPosted: stderr }));
  } catch (err) {
    return { ...base, reason: `audit log ${audit.path} could not be written; not cancelled`, facts, status: 'failed', error: describeError(err) };
  }

  let result: Omit<AuditResult, 'time' | 'run' | 'challengeId' | 'submissionId'>;
  let outcome: Outcome;
  let fatal: unknown;
  try {
    const message = await cancelSubmission(ctx.transport, { challengePk: challenge.id, submissionId: fresh.id, stderr }, { prepaced: true });
    result = { event: 'cancelled', detail: message };
    outcome = { ...base, reason: verdict.reason, facts: { ...facts, msFromRecheck: Date.now() - recheckedAt }, status: 'done' };
  } catch (err) {
    if (isRunFatal(err)) fatal = err;
    // Only a clear refusal, or a request that never left, proves nothing changed. A 5xx, an answer that
    // is not the expected JSON, a timeout or a connection lost after sending: it may have been cancelled
    // (the next run reads the submission and records what happened).
    const unknown = mayHaveActed(err);
    result = { event: unknown ? 'cancel-unknown' : 'cancel-failed', detail: describeError(err) };
    const reason = unknown ? 'cancel sent, but the answer was lost or unreadable: it may or may not have been cancelled; the next run checks' : 'cancel refused; nothing changed';
    outcome = { ...base, reason: `${reason} (${verdict.reason})`, facts, status: 'failed', error: describeError(err) };
  }
  try {
    const time = ctx.now().toUTC().toISO({ suppressMilliseconds: true }) ?? '';
    audit.append({ event: result.event, time, run: c.runId, challengeId: challenge.id, submissionId: fresh.id, detail: result.detail });
  } catch (err) {
    ctx.logger.error({ challenge: challenge.id, submission: fresh.id, error: describeError(err) }, 'audit log: the result line could not be written (the intent line was); the next run reads the submission and records what happened');
  }
  if (fatal) throw fatal;
  return outcome;
}

type Reread = { ok: true; fresh: Submission | null; by: 'id' | 'listing' } | { ok: false; error: string; by: 'id' | 'listing' };

async function recheck(c: CancelContext, listed: Submission): Promise<Reread> {
  const { ctx, challenge } = c;
  if (c.recheck.byId) {
    await ctx.transport.pace();
    try {
      return { ok: true, fresh: await getSubmission(ctx.transport, listed.id, { prepaced: true }), by: 'id' };
    } catch (err) {
      if (isRunFatal(err)) throw err;
      if (isEvalAIError(err, 'not-found')) return { ok: true, fresh: null, by: 'id' };
      if (!isEvalAIError(err, 'not-authorised')) return { ok: false, error: describeError(err), by: 'id' };
      // Staff who are not hosts of this challenge may not read submissions by id: use listings from now on.
      c.recheck.byId = false;
      ctx.logger.debug({ challenge: challenge.id, submission: listed.id }, 'submission by id not authorised; re-checking from a fresh listing');
    }
  }
  await ctx.transport.pace();
  try {
    const entries = await listSubmissions(ctx.transport, challenge.id, listed.status as CandidateStatus, { prepaced: true });
    const entry = entries.find((e) => (e.ok ? e.submission.id : e.id) === listed.id);
    if (!entry) return { ok: true, fresh: null, by: 'listing' };
    if (!entry.ok) return { ok: false, error: entry.error.message, by: 'listing' };
    return { ok: true, fresh: entry.submission, by: 'listing' };
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return { ok: false, error: describeError(err), by: 'listing' };
  }
}
