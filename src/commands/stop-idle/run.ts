import type { Challenge } from '../../core/challenge.js';
import { observePending } from '../shared/observe-pending.js';
import { observationFailed, type Outcome } from '../../core/outcome.js';
import type { ChallengeRunResult } from '../../core/run-challenges.js';
import { runOverChallengeList } from '../shared/challenge-list.js';
import type { RunContext } from '../../runtime/context.js';
import { actOnIdleWorker } from './act.js';
import { decideIdle, needsPending } from './decide.js';
import type { StopIdlePolicy } from './policy.js';

/**
 * stop-idle: every challenge (`all/all/all`: upstream listed only unapproved ones), pending
 * submissions read only for challenges whose worker would go, decide (pure), act (manage_worker
 * delete, or stop for unapproved challenges that have not ended with --action stop), report.
 */
export async function runStopIdle(ctx: RunContext, policy: StopIdlePolicy): Promise<ChallengeRunResult> {
  return runOverChallengeList(ctx, async (challenge: Challenge): Promise<Outcome> => {
    const now = ctx.now();
    const observed = needsPending(challenge, policy, now) ? await observePending(ctx, challenge.id) : undefined;
    const decision = decideIdle(challenge, observed?.pending ?? 'not read', policy, now);
    // An unreadable count keeps the worker, and the run counts a failure: it needs a human.
    if (observed?.error !== undefined) return observationFailed(challenge, decision, observed.error);
    return actOnIdleWorker(ctx.transport, challenge, decision, ctx);
  });
}
