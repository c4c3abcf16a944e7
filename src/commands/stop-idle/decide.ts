import type { DateTime } from 'luxon';
import type { Challenge } from '../../core/challenge.js';
import { hasEnded } from '../../core/datetime.js';
import type { Decision } from '../../core/outcome.js';
import { knownPending, type Pending } from '../../core/pending.js';
import { formatDuration } from '../../runtime/duration.js';
import type { IdleWorkerAction, StopIdlePolicy } from './policy.js';

export type IdleDecisionAction = IdleWorkerAction | 'none';

type Assessment =
  | { kind: 'final'; decision: Decision<IdleDecisionAction> }
  | { kind: 'candidate'; action: IdleWorkerAction; why: string; facts: Record<string, unknown> };

/**
 * Whether the challenge's worker should go, before looking at pending submissions (pure).
 * Upstream auto_stop_workers.py's rule over ALL challenges: `workers` not null, and ended more
 * than the grace period ago, or unapproved (and not ended) for longer than `unapprovedAfterMs`.
 * Docker-based challenges are not exempt (upstream's script skipped them, but scale-workers starts
 * their ECS worker and EvalAI's own delete_workers removes it like any other): the same grace and
 * pending guard apply.
 */
export function assess(challenge: Challenge, policy: StopIdlePolicy, now: DateTime): Assessment {
  const final = (action: IdleDecisionAction, reason: string, facts?: Record<string, unknown>): Assessment => ({ kind: 'final', decision: { action, reason, facts } });
  if (challenge.workers === null) return final('none', 'no worker');

  const workers = challenge.workers;
  const facts: Record<string, unknown> = { workers, approved: challenge.approvedByAdmin };
  if (challenge.endDate && hasEnded(challenge.endDate, now)) {
    const endedMs = now.toMillis() - challenge.endDate.toMillis();
    facts.endedSeconds = Math.floor(endedMs / 1000);
    const ago = `ended ${formatDuration(endedMs)} ago`;
    if (endedMs <= policy.graceMs) {
      return final('none', `${ago}, within the ${formatDuration(policy.graceMs)} grace period; worker kept for now`, facts);
    }
    // Only delete is accepted after end_date (stop is refused with 406), whatever --action says.
    return { kind: 'candidate', action: 'delete', why: `${ago} (grace ${formatDuration(policy.graceMs)})`, facts };
  }
  if (!challenge.approvedByAdmin) {
    if (!challenge.createdAt) return final('none', 'unapproved, but its creation time is unknown; worker kept', facts);
    const ageMs = now.toMillis() - challenge.createdAt.toMillis();
    facts.createdSeconds = Math.floor(ageMs / 1000);
    const age = `unapproved, created ${formatDuration(Math.max(0, ageMs))} ago`;
    if (ageMs <= policy.unapprovedAfterMs) return final('none', `${age} (acts after ${formatDuration(policy.unapprovedAfterMs)}); worker kept`, facts);
    if (policy.unapprovedAction === 'stop' && workers === 0) return final('none', `${age}; worker already stopped`, facts);
    return { kind: 'candidate', action: policy.unapprovedAction, why: `${age} (limit ${formatDuration(policy.unapprovedAfterMs)})`, facts };
  }
  return final('none', challenge.endDate ? 'active: approved and not ended' : 'active: approved, no end date', facts);
}

/** Whether the pending count can change the decision: only for challenges whose worker would go. */
export function needsPending(challenge: Challenge, policy: StopIdlePolicy, now: DateTime): boolean {
  return assess(challenge, policy, now).kind === 'candidate';
}

/**
 * The decision for one challenge (pure). A worker is never removed while submissions are pending
 * (upstream's defect, contract §6 #20) nor when the pending count is unknown.
 */
export function decideIdle(challenge: Challenge, observed: Pending, policy: StopIdlePolicy, now: DateTime): Decision<IdleDecisionAction> {
  const a = assess(challenge, policy, now);
  if (a.kind === 'final') return a.decision;
  const pending = knownPending(observed);
  const facts = { ...a.facts, pending: observed };
  if (pending === 'unknown') {
    return { action: 'none', reason: `${a.why}, but pending submissions are unknown; worker kept`, facts };
  }
  if (pending > 0) {
    return { action: 'none', reason: `draining: ${a.why}, but ${pending} submission${pending === 1 ? '' : 's'} pending; worker kept until they finish`, facts };
  }
  return { action: a.action, reason: `${a.why}, nothing pending`, facts };
}
