import type { Challenge } from '../../core/challenge.js';
import { observePending } from '../shared/observe-pending.js';
import { observationFailed, type Outcome } from '../../core/outcome.js';
import { runOverChallengeList } from '../shared/challenge-list.js';
import type { RunContext } from '../../runtime/context.js';
import { actOnWorkers } from './act.js';
import { decideWorkers, needsPending } from './decide.js';
import type { ScaleWorkersPolicy } from './policy.js';

/**
 * scale-workers: observe (challenge list, then metrics only where they can matter), decide (pure),
 * act (manage_worker start/stop), report. Returns the outcomes; the runner turns them into a report.
 */
export async function runScaleWorkers(ctx: RunContext, policy: ScaleWorkersPolicy) {
  const now = ctx.now();
  return runOverChallengeList(ctx, async (challenge: Challenge): Promise<Outcome> => {
    const observed = needsPending(challenge, policy, now) ? await observePending(ctx, challenge.id) : undefined;
    const decision = decideWorkers(challenge, observed ? observed.pending : 'not read', policy, now);
    if (observed?.error !== undefined) return observationFailed(challenge, decision, observed.error);
    return actOnWorkers(ctx.transport, challenge, decision, ctx);
  });
}
