import type { Challenge } from '../../core/challenge.js';
import type { Handled } from '../../core/deferred.js';
import { runOverChallenges, type ChallengeRunResult } from '../../core/run-challenges.js';
import { listChallenges } from '../../evalai/challenges.js';
import type { RunContext } from '../../runtime/context.js';

/**
 * EvalAI's whole challenge list (`all/all/all`) as the source of runOverChallenges, with the run's
 * settings: the wiring of the EvalAI commands, kept out of core so core knows no particular source.
 */
export function runOverChallengeList(ctx: RunContext, handle: (challenge: Challenge) => Promise<Handled>): Promise<ChallengeRunResult> {
  return runOverChallenges({
    source: listChallenges(ctx.transport, {}, { maxPages: ctx.maxPages }),
    concurrency: ctx.concurrency,
    readConcurrency: ctx.readConcurrency,
    keep: ctx.keepOutcome,
    deadline: ctx.deadline,
    only: ctx.only,
    logger: ctx.logger,
    resumeAfter: ctx.resumeAfter,
    handle,
  });
}
