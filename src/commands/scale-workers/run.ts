import type { Challenge } from '../../core/challenge.js';
import { observePending } from '../shared/observe-pending.js';
import { whenSettled, type Handled } from '../../core/deferred.js';
import { observationFailed } from '../../core/outcome.js';
import { runOverChallengeList } from '../shared/challenge-list.js';
import type { RunContext } from '../../runtime/context.js';
import { actOnWorkers } from './act.js';
import { decideWorkers, needsPending, WORKER_ACTIONS } from './decide.js';
import type { ScaleWorkersPolicy } from './policy.js';

/**
 * scale-workers: observe (challenge list, then metrics only where they can matter), decide (pure),
 * act (manage_worker start; stops after every start of the run), report. Returns the outcomes; the runner turns them into a report.
 */
export async function runScaleWorkers(ctx: RunContext, policy: ScaleWorkersPolicy) {
  const now = ctx.now();
  return runOverChallengeList(ctx, async (challenge: Challenge): Promise<Handled> => {
    const observed = needsPending(challenge, policy, now) ? await observePending(ctx, challenge.id) : undefined;
    const pending = observed ? observed.pending : 'not read';
    const decision = decideWorkers(challenge, pending, policy, now, ctx.history?.recall(challenge.id) ?? null);
    const handled = observed?.error !== undefined ? observationFailed(challenge, decision, observed.error) : await actOnWorkers(ctx.transport, challenge, decision, ctx);
    // A stop's outcome is known at the end of the run (stops wait for the starts): noted then.
    return whenSettled(handled, (outcome) => ctx.history?.note(challenge.id, { pending, capacityUp: (challenge.workers ?? 0) > 0 }, outcome, WORKER_ACTIONS, now));
  });
}
