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
  /** The deadline passed (or a signal came): no new challenge was started after it. */
  deadlineReached?: boolean;
  /** Challenges read from the list but not started because of the deadline. */
  notReached?: number;
  /**
   * Where the next run starts when this one stopped early: the last challenge it started. The next
   * run handles the challenges after it first, then those before it, so every challenge is reached
   * within a bounded number of runs even when no run gets through the whole list. Undefined when
   * the whole list was handled.
   */
  resumeAfter?: number;
}

export interface ChallengeRunOptions {
  source: AsyncIterable<ChallengeEntry>;
  /** Independent reads and actions run this many challenges at a time. */
  concurrency: number;
  /** When given, this many challenges are handled at a time instead (their writes are held to `concurrency` by the transport). */
  readConcurrency?: number;
  /** --challenge: only these ids; an id the list never shows is reported as failed. */
  only?: ReadonlySet<number>;
  handle: (challenge: Challenge) => Promise<Outcome>;
  /** False for an outcome the caller has counted instead of keeping it (see OutcomeTally). */
  keep?: (outcome: Outcome) => boolean;
  logger: Logger;
  /**
   * Past it, no new challenge starts and the listing stops; what is in flight finishes, unless the
   * deadline is abandoned: then what is still in flight is recorded as unknown and the run returns.
   */
  deadline?: Deadline;
  /** The previous run stopped after this challenge: start with the ones after it. */
  resumeAfter?: number;
}

/** runOverChallenges over EvalAI's whole challenge list (`all/all/all`), with the run's settings. */
export function runOverChallengeList(ctx: RunContext, handle: (challenge: Challenge) => Promise<Outcome>): Promise<ChallengeRunResult> {
  return runOverChallenges({
    source: listChallenges(ctx.transport, {}, { maxPages: ctx.maxPages }),
    concurrency: ctx.concurrency,
    readConcurrency: ctx.readConcurrency,
    deadline: ctx.deadline,
    only: ctx.only,
    logger: ctx.logger,
    resumeAfter: ctx.resumeAfter,
    keep: ctx.keepOutcome,
    handle,
  });
}

/**
 * Streams challenges from the list into `handle`, a few at a time. One challenge's failure never
 * stops the others; a page that cannot be read stops the listing but not the challenges already
 * read; a rejected token stops everything, since every later call would be rejected too.
 */
export async function runOverChallenges(opts: ChallengeRunOptions): Promise<ChallengeRunResult> {
  const width = opts.readConcurrency ?? opts.concurrency;
  const limit = pLimit(width);
  const outcomes: Outcome[] = [];
  // Backpressure: the list is read only a little ahead of the handlers, so memory stays bounded by
  // a few pages whatever the number of challenges.
  const inFlight = new Set<Promise<void>>();
  const running = new Map<number, Challenge>();
  const highWater = width * 4;
  const seen = new Set<number>();
  let fatal: unknown;
  let sourceError: unknown;
  let entriesRead = 0;
  let deadlineReached = false;
  let notReached = 0;
  let abandoned = false;
  let lastStarted: number | undefined;
  // Resuming: challenges up to the previous run's last one wait until the rest have had their turn.
  let deferring = opts.resumeAfter !== undefined;
  const deferred: Challenge[] = [];

  const handleOne = async (challenge: Challenge): Promise<void> => {
    if (fatal || abandoned) return;
    if (opts.deadline?.expired()) {
      deadlineReached = true;
      notReached++;
      return;
    }
    lastStarted = challenge.id;
    running.set(challenge.id, challenge);
    try {
      const outcome = await opts.handle(challenge);
      if (abandoned) return; // already recorded as unknown; the report is out
      if (opts.keep?.(outcome) ?? true) outcomes.push(outcome);
      logOutcome(opts.logger, outcome);
    } catch (err) {
      if (abandoned) return;
      if (isRunFatal(err)) {
        // Queued handlers see `fatal` and return at once (clearing p-limit's queue instead would
        // leave their promises unsettled forever).
        fatal ??= err;
        return;
      }
      const outcome = failedOutcome(challenge, 'unexpected error', describeError(err));
      outcomes.push(outcome);
      opts.logger.error({ challenge: challenge.id, error: outcome.error }, 'challenge failed');
    } finally {
      running.delete(challenge.id);
    }
  };

  // Woken when a task ends, so a full window waits for one slot (Promise.race over the whole
  // window at every submit cost more CPU than the reads themselves on a long list).
  let slotFreed: (() => void) | undefined;
  const submit = async (challenge: Challenge): Promise<void> => {
    const task: Promise<void> = limit(() => handleOne(challenge)).finally(() => {
      inFlight.delete(task);
      slotFreed?.();
    });
    inFlight.add(task);
    while (inFlight.size >= highWater) await new Promise<void>((resolve) => (slotFreed = resolve));
    slotFreed = undefined;
  };

  const stopStarting = (): boolean => {
    if (fatal) return true;
    if (opts.deadline?.expired()) {
      deadlineReached = true;
      return true;
    }
    return false;
  };

  const drive = async (): Promise<void> => {
    try {
      for await (const entry of opts.source) {
        entriesRead++;
        if (stopStarting()) break;
        const id = entry.ok ? entry.challenge.id : entry.id;
        if (opts.only && (id === null || !opts.only.has(id))) continue;
        if (id !== null) seen.add(id);
        if (!entry.ok) {
          const outcome = failedOutcome({ id: entry.id, title: entry.title }, 'challenge data cannot be trusted; nothing done', entry.error.message);
          outcomes.push(outcome);
          opts.logger.error({ challenge: entry.id, error: outcome.error }, 'malformed challenge');
          continue;
        }
        if (deferring) {
          deferred.push(entry.challenge);
          if (entry.challenge.id === opts.resumeAfter) deferring = false;
          continue;
        }
        await submit(entry.challenge);
      }
    } catch (err) {
      if (isRunFatal(err)) fatal ??= err;
      else sourceError = err;
    }
    if (deferred.length) {
      opts.logger.debug({ resumeAfter: opts.resumeAfter, deferred: deferred.length }, 'resuming after the previous run: now the challenges it had not reached');
      while (deferred.length && !stopStarting()) await submit(deferred.shift()!);
      notReached += deferred.length;
    }
    await Promise.all(inFlight);
  };

  const stop = opts.deadline?.abandoned.then((reason) => reason) ?? new Promise<string>(() => undefined);
  const abandonReason = await Promise.race([drive().then(() => undefined), stop]);
  if (abandonReason !== undefined) {
    abandoned = true;
    deadlineReached = true;
    for (const c of running.values()) {
      const outcome = failedOutcome(c, `${abandonReason}: it was in flight, what it did is unknown; the next run looks again`, 'abandoned while in flight');
      outcomes.push(outcome);
      opts.logger.error({ challenge: c.id, error: outcome.error }, 'challenge abandoned while in flight');
    }
  }

  if (opts.only && !fatal && !sourceError && !deadlineReached) {
    for (const id of opts.only) {
      if (!seen.has(id)) {
        outcomes.push(failedOutcome({ id }, 'not in the challenge list', `challenge ${id} is not in EvalAI's challenge list (unknown, or disabled)`));
      }
    }
  }
  outcomes.sort((a, b) => b.challengeId - a.challengeId);
  if (deadlineReached) {
    const why = opts.deadline?.interruptedBy ? `${opts.deadline.interruptedBy} received` : 'deadline passed';
    opts.logger.warn({ notReached }, `${why}: no new challenge was started after it`);
  }
  // A run that started nothing keeps the previous run's place.
  const resumeAfter = deadlineReached && !fatal ? (lastStarted ?? opts.resumeAfter) : undefined;
  return { outcomes: [...outcomes], sourceError, fatal, entriesRead, deadlineReached, notReached, resumeAfter };
}
