import type { DateTime } from 'luxon';
import type { Ec2StateName } from '../../aws/ec2-states.js';
import type { Challenge } from '../../core/challenge.js';
import { hasEnded } from '../../core/datetime.js';
import type { Decision } from '../../core/outcome.js';
import { holdStop, type HoldInput } from '../../state/hold.js';
import { knownPending, type Pending } from '../../core/pending.js';

export type Ec2DecisionAction = 'start' | 'stop' | 'none' | 'skip';

/** The challenge's instance as observed, or `unknown` when it could not be described at all. */
export type InstanceView = { instanceId: string; state: Ec2StateName } | 'unknown';

/**
 * The decision for one challenge's EC2 worker: a pure function of the challenge, its instance, its
 * pending count and the time. Upstream's auto_scale_ec2_workers.py rules (start when pending, not
 * ended and stopped; stop when running and nothing pending), minus its defect: an ended challenge
 * with pending submissions keeps its instance (draining) instead of having its evaluation killed.
 * `hold` (--scale-down-delay, --min-uptime and what earlier runs remember) can only keep a running
 * instance of a challenge that has not ended; without it, or without usable memory, the decision
 * is exactly the one above.
 */
export function decideEc2(challenge: Challenge, instance: InstanceView, observed: Pending, now: DateTime, hold?: HoldInput): Decision<Ec2DecisionAction> {
  const pending = knownPending(observed);
  if (!challenge.usesEc2Worker) return { action: 'skip', reason: 'does not use an EC2 worker' };
  const ended = hasEnded(challenge.endDate, now);
  if (instance === 'unknown') {
    return { action: 'none', reason: 'instance state unknown: nothing done', facts: { pending: observed, ended } };
  }
  const { instanceId, state } = instance;
  const facts = { instanceId, state, pending: observed, ended };
  const plural = (n: number) => `${n} pending submission${n === 1 ? '' : 's'}`;

  switch (state) {
    case 'shutting-down':
    case 'terminated':
      return { action: 'skip', reason: `instance ${instanceId} is ${state}: nothing to start or stop (a new instance has to be created for this challenge)`, facts };
    case 'pending':
    case 'stopping':
      return { action: 'none', reason: `instance ${instanceId} is ${state} (in transition): looked at again next run`, facts };
    case 'running':
      if (pending === 'unknown') return { action: 'none', reason: `instance ${instanceId} running; pending submissions unknown: nothing done`, facts };
      if (pending === 0) {
        if (ended) return { action: 'stop', reason: `ended, nothing pending, instance ${instanceId} running`, facts };
        const verdict = holdStop(hold);
        const why = `no pending submissions, instance ${instanceId} running`;
        if (verdict.keep) return { action: 'none', reason: `${why}; ${verdict.reason}`, facts };
        return { action: 'stop', reason: verdict.note ? `${why}; ${verdict.note}` : why, facts };
      }
      if (ended) {
        return { action: 'none', reason: `draining: ended with ${plural(pending)}; instance ${instanceId} kept running until they finish`, facts };
      }
      return { action: 'none', reason: `busy: ${plural(pending)}, instance ${instanceId} running`, facts };
    case 'stopped':
      if (ended) return { action: 'none', reason: `ended, instance ${instanceId} stopped`, facts };
      if (pending === 'unknown') return { action: 'none', reason: `instance ${instanceId} stopped; pending submissions unknown: nothing done`, facts };
      if (pending > 0) return { action: 'start', reason: `${plural(pending)} and instance ${instanceId} stopped`, facts };
      return { action: 'none', reason: `idle: nothing pending, instance ${instanceId} stopped`, facts };
  }
}

/**
 * Whether the pending count can change the decision: only for a running instance (stop or keep)
 * and a stopped instance of a challenge that has not ended (start or not). Other challenges cost no
 * metrics call.
 */
export function ec2NeedsPending(challenge: Challenge, instance: InstanceView, now: DateTime): boolean {
  if (!challenge.usesEc2Worker || instance === 'unknown') return false;
  if (instance.state === 'running') return true;
  return instance.state === 'stopped' && !hasEnded(challenge.endDate, now);
}
