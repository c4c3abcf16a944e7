import type { Challenge } from '../../core/challenge.js';
import type { Outcome } from '../../core/outcome.js';
import { describePending } from '../../core/pending.js';
import { runOverChallenges, type ChallengeRunResult } from '../../core/run-challenges.js';
import type { RunContext } from '../../runtime/context.js';
import { describeError } from '../../runtime/errors.js';
import { listChallenges } from '../../evalai/challenges.js';
import { isRunFatal } from '../../evalai/errors.js';
import { getPendingSubmissions } from '../../evalai/metrics.js';
import { actOnIdleWorker } from './act.js';
import { decideIdle, needsPending, type Pending } from './decide.js';
import type { StopIdlePolicy } from './policy.js';

/**
 * stop-idle: every challenge (`all/all/all`: upstream listed only unapproved ones), pending
 * submissions read only for challenges whose worker would go, decide (pure), act (manage_worker
 * delete, or stop for unapproved challenges that have not ended with --action stop), report.
 */
export async function runStopIdle(ctx: RunContext, policy: StopIdlePolicy): Promise<ChallengeRunResult> {
  return runOverChallenges({
    source: listChallenges(ctx.transport, {}, { maxPages: ctx.maxPages }),
    concurrency: ctx.concurrency,
    deadline: ctx.deadline,
    only: ctx.only,
    logger: ctx.logger,
    handle: async (challenge: Challenge): Promise<Outcome> => {
      const now = ctx.now();
      let pending: Pending | undefined;
      let observationError: string | undefined;
      if (needsPending(challenge, policy, now)) {
        try {
          const count = await getPendingSubmissions(ctx.transport, challenge.id);
          pending = count.total;
          ctx.logger.debug({ challenge: challenge.id, pending: count.byStatus }, describePending(count));
        } catch (err) {
          if (isRunFatal(err)) throw err;
          pending = 'unknown';
          observationError = describeError(err);
        }
      }
      const decision = decideIdle(challenge, pending, policy, now);
      if (observationError !== undefined) {
        // The worker is kept, and the run counts a failure: an unreadable count needs a human.
        return { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts, status: 'failed', error: observationError };
      }
      return actOnIdleWorker(ctx.transport, challenge, decision, ctx);
    },
  });
}
