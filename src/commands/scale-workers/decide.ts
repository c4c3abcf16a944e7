import type { DateTime } from 'luxon';
import type { Challenge } from '../../core/challenge.js';
import { hasEnded } from '../../core/datetime.js';
import type { Decision } from '../../core/outcome.js';
import { knownPending, type Pending } from '../../core/pending.js';
import { skipsRemoteEvaluation } from '../../runtime/env-mode.js';
import { holdStop } from '../../state/hold.js';
import type { ChallengeMemory } from '../../state/memory.js';
import { keepAliveWindows } from './keep-alive.js';
import type { ScaleWorkersPolicy } from './policy.js';

export type WorkerDecisionAction = 'start' | 'stop' | 'none' | 'skip';
export type { Pending } from '../../core/pending.js';

/** What starts a worker from none, and what stops it (for the history). */
export const WORKER_ACTIONS = { start: ['start'], stop: ['stop'] } as const;

/**
 * The decision for one challenge: a pure function of the challenge, its pending count, the policy,
 * the time and what earlier runs remember (`memory`; null or absent: no usable history, and the
 * decision is exactly the one without it). --scale-down-delay and --min-uptime can only turn a stop
 * into "kept". Upstream's auto_scale_workers.py rules, minus its defects: no `stop` for an ended
 * challenge (the server refuses it with 406), a null end date means "no end", EC2 challenges are
 * scale-ec2's, and an unknown pending count is never acted on.
 *
 * With `policy.keepAlive` (off by default) and the challenge's own past idle times (`idleTimesMs`,
 * oldest first), a usable histogram replaces the scale-down delay (keep-alive.ts): an idle worker is
 * kept only between its start and stop times after the challenge went idle, and a worker that is
 * down is started (pre-warmed) between them. --min-uptime still keeps a worker.
 */
export function decideWorkers(challenge: Challenge, observed: Pending, policy: ScaleWorkersPolicy, now: DateTime, memory: ChallengeMemory | null = null, idleTimesMs: readonly number[] | null = null): Decision<WorkerDecisionAction> {
  const scope = outOfScope(challenge, policy);
  if (scope) return scope;

  const workers = challenge.workers ?? 0;
  const facts = { pending: observed, workers: challenge.workers, ended: hasEnded(challenge.endDate, now) };
  // `not read` (needsPending said no count could matter) is unknown too: never a stop.
  const pending = knownPending(observed);
  const up = `${workers} worker${workers === 1 ? '' : 's'} up`;

  if (facts.ended) {
    if (workers === 0) return { action: 'none', reason: 'ended, no worker', facts };
    if (pending === 'unknown') return { action: 'none', reason: `ended with ${up}; pending submissions unknown`, facts };
    if (pending > 0) {
      return { action: 'none', reason: `draining: ended with ${pending} pending and ${up}; left running until they finish (stop-idle removes it)`, facts };
    }
    return { action: 'none', reason: `ended with ${up} and nothing pending: left to stop-idle (the server refuses stop after end_date)`, facts };
  }
  if (pending === 'unknown') return { action: 'none', reason: 'pending submissions unknown: nothing done', facts };
  if (pending > 0 && workers === 0) return { action: 'start', reason: `${pending} pending submission${pending === 1 ? '' : 's'} and no worker`, facts };
  if (pending > 0) return { action: 'none', reason: `busy: ${pending} pending, ${up}`, facts };
  const windows = policy.keepAlive && idleTimesMs && memory ? keepAliveWindows(idleTimesMs, policy.keepAlive) : null;
  if (windows?.use) {
    const idle = memory!.idleSince === undefined ? 0 : Math.max(0, now.toMillis() - Date.parse(memory!.idleSince));
    const within = idle >= windows.startAtMs && idle < windows.stopAtMs;
    const idleText = `idle for ${Math.round(idle / 60_000)} min; ${windows.reason}`;
    if (workers === 0) {
      if (within) return { action: 'start', reason: `pre-warm: no pending submissions, no worker, ${idleText}`, facts };
      return { action: 'none', reason: `idle: no pending submissions, no worker, ${idleText}`, facts };
    }
    if (within) return { action: 'none', reason: `no pending submissions, ${up}; ${idleText}: kept`, facts };
    const hold = holdStop({ policy: { ...(policy.minUptimeMs ? { minUptimeMs: policy.minUptimeMs } : {}) }, memory, now });
    if (hold.keep) return { action: 'none', reason: `no pending submissions, ${up}; ${hold.reason}`, facts };
    return { action: 'stop', reason: `no pending submissions, ${up}; ${idleText}`, facts };
  }
  if (workers > 0) {
    const hold = holdStop({ policy, memory, now });
    if (hold.keep) return { action: 'none', reason: `no pending submissions, ${up}; ${hold.reason}`, facts };
    return { action: 'stop', reason: `no pending submissions, ${up}${hold.note ? `; ${hold.note}` : ''}`, facts };
  }
  return { action: 'none', reason: 'idle: no pending submissions, no worker', facts };
}

/**
 * Whether the pending count can change the decision for this challenge. On eval.ai most challenges
 * ever created are long ended with no worker: their metrics are not fetched.
 */
export function needsPending(challenge: Challenge, policy: ScaleWorkersPolicy, now: DateTime): boolean {
  if (outOfScope(challenge, policy)) return false;
  const ended = hasEnded(challenge.endDate, now);
  return !ended || (challenge.workers ?? 0) > 0;
}

function outOfScope(challenge: Challenge, policy: ScaleWorkersPolicy): Decision<WorkerDecisionAction> | null {
  if (skipsRemoteEvaluation(policy.mode) && challenge.remoteEvaluation) {
    return { action: 'skip', reason: `remote evaluation: the host runs its own workers (ENV=${policy.mode})` };
  }
  if (challenge.usesEc2Worker && !policy.includeEc2) {
    return { action: 'skip', reason: 'uses an EC2 worker: left to scale-ec2 (--include-ec2 to include)' };
  }
  return null;
}
