import type { Challenge } from '../../core/challenge.js';
import type { Outcome } from '../../core/outcome.js';
import { describePending } from '../../core/pending.js';
import { runOverChallenges } from '../../core/run-challenges.js';
import type { RunContext } from '../../runtime/context.js';
import { describeError } from '../../runtime/errors.js';
import { listChallenges } from '../../evalai/challenges.js';
import { isRunFatal } from '../../evalai/errors.js';
import { getPendingSubmissions } from '../../evalai/metrics.js';
import { actOnWorkers } from './act.js';
import { decideWorkers, needsPending, type Pending } from './decide.js';
import type { ScaleWorkersPolicy } from './policy.js';

/**
 * scale-workers: observe (challenge list, then metrics only where they can matter), decide (pure),
 * act (manage_worker start/stop), report. Returns the outcomes; the runner turns them into a report.
 */
export async function runScaleWorkers(ctx: RunContext, policy: ScaleWorkersPolicy) {
  const now = ctx.now();
  return runOverChallenges({
    source: listChallenges(ctx.transport, {}, { maxPages: ctx.maxPages }),
    concurrency: ctx.concurrency,
    deadline: ctx.deadline,
    only: ctx.only,
    logger: ctx.logger,
    handle: async (challenge: Challenge): Promise<Outcome> => {
      let pending: Pending = 'not read';
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
      const decision = decideWorkers(challenge, pending, policy, now);
      if (observationError !== undefined) {
        return { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts, status: 'failed', error: observationError };
      }
      return actOnWorkers(ctx.transport, challenge, decision, ctx);
    },
  });
}
