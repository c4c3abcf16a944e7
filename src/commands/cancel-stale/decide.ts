import type { DateTime } from 'luxon';
import type { PendingCount } from '../../core/pending.js';
import type { Decision } from '../../core/outcome.js';
import type { Submission } from '../../core/submission.js';
import { formatDuration } from '../../runtime/duration.js';
import type { CancelStalePolicy, CandidateStatus } from './policy.js';

export type SubmissionAction = 'cancel' | 'none';
export type RecheckAction = 'cancel' | 'skip';

export type ReferenceField = 'rerun_resumed_at' | 'submitted_at';

/**
 * Since when a submission has been waiting: `rerun_resumed_at` when set (a re-run copies its
 * original's `submitted_at`; a resume restarts the clock), else `submitted_at` (contract §3.2).
 */
export function referenceTime(s: Submission): { time: DateTime; field: ReferenceField } {
  return s.rerunResumedAt ? { time: s.rerunResumedAt, field: 'rerun_resumed_at' } : { time: s.submittedAt, field: 'submitted_at' };
}

/**
 * The decision for one listed submission: a pure function of the submission, the policy and the
 * time. Cancel when it is in a candidate status and strictly older than the threshold.
 */
export function decideSubmission(s: Submission, policy: CancelStalePolicy, now: DateTime): Decision<SubmissionAction> {
  const threshold = formatDuration(policy.thresholdMs);
  if (!(policy.statuses as readonly string[]).includes(s.status)) {
    const why = s.status === 'queued' ? 'queued submissions are cancelled only with --include-queued' : `"${s.status}" is not a status this run cancels`;
    return { action: 'none', reason: why, facts: { submissionStatus: s.status } };
  }
  const ref = referenceTime(s);
  const ageMs = now.toMillis() - ref.time.toMillis();
  const facts = {
    submissionStatus: s.status,
    referenceField: ref.field,
    referenceTime: ref.time.toISO(),
    ageSeconds: Math.floor(ageMs / 1000),
    thresholdSeconds: Math.floor(policy.thresholdMs / 1000),
  };
  if (ageMs < 0) {
    return { action: 'none', reason: `${ref.field} ${ref.time.toISO()} is in the future (clock skew?); left alone`, facts };
  }
  const since = ref.field === 'rerun_resumed_at' ? ' since its re-run/resume' : '';
  const reason = `${s.status} for ${formatDuration(ageMs)}${since} (threshold ${threshold})`;
  if (ageMs > policy.thresholdMs) return { action: 'cancel', reason, facts };
  return { action: 'none', reason, facts };
}

/**
 * Which statuses to list for a challenge, from its metrics-by-pk counts (contract §2.5, read
 * through the shared pending calculator: the candidate statuses are all pending statuses). Only
 * statuses with a submission are listed; without metrics (not staff, or unreadable), all of them.
 */
export function statusesToList(pending: PendingCount | null, policy: CancelStalePolicy): CandidateStatus[] {
  if (!pending) return [...policy.statuses];
  return policy.statuses.filter((s) => pending.byStatus[s] > 0);
}

/**
 * The re-check just before cancelling (pure): `fresh` is the same submission read again, by id or
 * from a fresh listing of the challenge in its listed status (null when it is no longer there).
 * Cancel only if it is still the same submission of the same challenge phase, in the same status,
 * and still stale; otherwise skip and say why.
 */
export function recheckDecision(listed: Submission, fresh: Submission | null, policy: CancelStalePolicy, now: DateTime): Decision<RecheckAction> {
  if (!fresh) {
    return { action: 'skip', reason: `no longer in the challenge's "${listed.status}" listing (finished, cancelled or moved since it was listed); not cancelled` };
  }
  if (fresh.id !== listed.id || fresh.challengePhase !== listed.challengePhase) {
    return {
      action: 'skip',
      reason: `re-read as submission ${fresh.id} of phase ${fresh.challengePhase}, listed as ${listed.id} of phase ${listed.challengePhase}; not cancelled`,
    };
  }
  if (fresh.status !== listed.status) {
    return { action: 'skip', reason: `status changed from ${listed.status} to ${fresh.status} since it was listed; not cancelled` };
  }
  const again = decideSubmission(fresh, policy, now);
  if (again.action !== 'cancel') return { action: 'skip', reason: `no longer stale: ${again.reason}; not cancelled`, facts: again.facts };
  return { action: 'cancel', reason: again.reason, facts: again.facts };
}
