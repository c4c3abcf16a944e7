import pLimit from 'p-limit';
import type { Logger } from '../runtime/logger.js';
import { describeError } from '../runtime/errors.js';
import { listChallenges, type ChallengeEntry } from '../evalai/challenges.js';
import type { RunContext } from '../runtime/context.js';
import { isRunFatal } from '../evalai/errors.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Challenge } from './challenge.js';
import { logOutcome } from './log-outcome.js';
import { failedOutcome, type Outcome } from './outcome.js';

export interface ChallengeRunResult {
  outcomes: Outcome[];
  /** The challenge list could not be read to the end (challenges read before still ran). */
  sourceError?: unknown;
  /** How many list entries were read before the source ended or failed. */
  entriesRead: number;
  /** An error after which nothing else can succeed (the token was rejected): the run stopped. */
  fatal?: unknown;
  /** The deadline passed: no new challenge was started after it. */
  deadlineReached?: boolean;
  /** Challenges read from the list but not started because of the deadline. */
  notReached?: number;
}

export interface ChallengeRunOptions {
  source: AsyncIterable<ChallengeEntry>;
  /** Independent reads and actions run this many challenges at a time. */
  concurrency: number;
  /** --challenge: only these ids; an id the list never shows is reported as failed. */
  only?: ReadonlySet<number>;
  handle: (challenge: Challenge) => Promise<Outcome>;
  logger: Logger;
  /** Past it, no new challenge starts and the listing stops; what is in flight finishes. */
  deadline?: Deadline;
}

/** runOverChallenges over EvalAI's whole challenge list (`all/all/all`), with the run's settings. */
export function runOverChallengeList(ctx: RunContext, handle: (challenge: Challenge) => Promise<Outcome>): Promise<ChallengeRunResult> {
  return runOverChallenges({
    source: listChallenges(ctx.transport, {}, { maxPages: ctx.maxPages }),
    concurrency: ctx.concurrency,
    deadline: ctx.deadline,
    only: ctx.only,
    logger: ctx.logger,
    handle,
  });
}

/**
 * Streams challenges from the list into `handle`, a few at a time. One challenge's failure never
 * stops the others; a page that cannot be read stops the listing but not the challenges already
 * read; a rejected token stops everything, since every later call would be rejected too.
 */
export async function runOverChallenges(opts: ChallengeRunOptions): Promise<ChallengeRunResult> {
  const limit = pLimit(opts.concurrency);
  const outcomes: Outcome[] = [];
  // Backpressure: the list is read only a little ahead of the handlers, so memory stays bounded by
  // a few pages whatever the number of challenges.
  const inFlight = new Set<Promise<void>>();
  const highWater = opts.concurrency * 4;
  const seen = new Set<number>();
  let fatal: unknown;
  let sourceError: unknown;
  let entriesRead = 0;
  let deadlineReached = false;
  let notReached = 0;

  const handleOne = async (challenge: Challenge): Promise<void> => {
    if (fatal) return;
    if (opts.deadline?.expired()) {
      deadlineReached = true;
      notReached++;
      return;
    }
    try {
      const outcome = await opts.handle(challenge);
      outcomes.push(outcome);
      logOutcome(opts.logger, outcome);
    } catch (err) {
      if (isRunFatal(err)) {
        // Queued handlers see `fatal` and return at once (clearing p-limit's queue instead would
        // leave their promises unsettled forever).
        fatal ??= err;
        return;
      }
      const outcome = failedOutcome(challenge, 'unexpected error', describeError(err));
      outcomes.push(outcome);
      opts.logger.error({ challenge: challenge.id, error: outcome.error }, 'challenge failed');
    }
  };

  try {
    for await (const entry of opts.source) {
      entriesRead++;
      if (fatal) break;
      if (opts.deadline?.expired()) {
        deadlineReached = true;
        break;
      }
      const id = entry.ok ? entry.challenge.id : entry.id;
      if (opts.only && (id === null || !opts.only.has(id))) continue;
      if (id !== null) seen.add(id);
      if (!entry.ok) {
        const outcome = failedOutcome({ id: entry.id, title: entry.title }, 'challenge data cannot be trusted; nothing done', entry.error.message);
        outcomes.push(outcome);
        opts.logger.error({ challenge: entry.id, error: outcome.error }, 'malformed challenge');
        continue;
      }
      const task: Promise<void> = limit(() => handleOne(entry.challenge)).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= highWater) await Promise.race(inFlight);
    }
  } catch (err) {
    if (isRunFatal(err)) fatal ??= err;
    else sourceError = err;
  }
  await Promise.all(inFlight);

  if (opts.only && !fatal && !sourceError && !deadlineReached) {
    for (const id of opts.only) {
      if (!seen.has(id)) {
        outcomes.push(failedOutcome({ id }, 'not in the challenge list', `challenge ${id} is not in EvalAI's challenge list (unknown, or disabled)`));
      }
    }
  }
  outcomes.sort((a, b) => b.challengeId - a.challengeId);
  if (deadlineReached) {
    opts.logger.warn({ notReached }, 'deadline passed: no new challenge was started after it');
  }
  return { outcomes, sourceError, fatal, entriesRead, deadlineReached, notReached };
}
