import pLimit from 'p-limit';
import type { Logger } from '../runtime/logger.js';
import { describeError, isRunFatal } from '../runtime/errors.js';
import type { Deadline } from '../runtime/deadline.js';
import { logOutcome } from './log-outcome.js';
import { isDeferred, type Deferred, type Handled } from './deferred.js';
import { failedOutcome, type Outcome } from './outcome.js';

/** What a run acts on, one at a time: a challenge, a nodegroup entry, a pool. */
export interface Target {
  id: number;
  title?: string;
}

/**
 * One entry of a target source: a target to handle, or an entry that cannot be trusted (reported
 * as that target's failure with `reason`, never acted on).
 */
export type TargetEntry<T extends Target> = { ok: true; target: T } | { ok: false; id: number | null; title?: string; reason: string; error: unknown; logAs: string };

export interface TargetRunResult {
  outcomes: Outcome[];
  /** The source could not be read to the end (targets read before still ran). */
  sourceError?: unknown;
  /** How many source entries were read before the source ended or failed. */
  entriesRead: number;
  /** An error after which nothing else can succeed (the token was rejected): the run stopped. */
  fatal?: unknown;
  /** The deadline passed (or a signal came): no new target was started after it. */
  deadlineReached?: boolean;
  /** Targets read from the source but not started because of the deadline. */
  notReached?: number;
  /**
   * Where the next run starts when this one stopped early: the last target it started. The next
   * run handles the targets after it first, then those before it, so every target is reached
   * within a bounded number of runs even when no run gets through the whole source. Undefined
   * when the whole source was handled.
   */
  resumeAfter?: number;
}

export interface TargetRunOptions<T extends Target> {
  source: AsyncIterable<TargetEntry<T>>;
  /** Independent reads and actions run this many targets at a time. */
  concurrency: number;
  /** When given, this many targets are handled at a time instead (their writes are held to `concurrency` by the transport). */
  readConcurrency?: number;
  /** False for an outcome the caller has counted instead of keeping it (see OutcomeTally). */
  keep?: (outcome: Outcome) => boolean;
  /** --challenge: only these ids; an id the source never shows is reported as failed (`notListed`). */
  only?: ReadonlySet<number>;
  /** How an id of `only` that the source never showed is reported. */
  notListed: { reason: string; error: (id: number) => string };
  /**
   * A target's outcome, or an action deferred to the end of the run (a saving: it is carried out
   * after every target was handled, so the starts claim `--max-actions` first).
   */
  handle: (target: T) => Promise<Handled>;
  logger: Logger;
  /**
   * Past it, no new target starts and the source is not read further; what is in flight finishes,
   * unless the deadline is abandoned: then what is still in flight is recorded as unknown and the
   * run returns.
   */
  deadline?: Deadline;
  /** The previous run stopped after this target: start with the ones after it. */
  resumeAfter?: number;
  /** Errors after which nothing else can succeed; the default is runtime/errors' RunFatal marker. */
  isFatal?: (err: unknown) => boolean;
}

/**
 * Streams targets from the source into `handle`, a few at a time. One target's failure never
 * stops the others; a source that fails stops the reading but not the targets already read; a
 * run-fatal error (a rejected token) stops everything, since every later call would fail too.
 */
export async function runOverTargets<T extends Target>(opts: TargetRunOptions<T>): Promise<TargetRunResult> {
  const isFatal = opts.isFatal ?? isRunFatal;
  const width = opts.readConcurrency ?? opts.concurrency;
  const limit = pLimit(width);
  const outcomes: Outcome[] = [];
  // Backpressure: the source is read only a little ahead of the handlers, so memory stays bounded
  // by a few pages whatever the number of targets.
  const inFlight = new Set<Promise<void>>();
  const running = new Map<number, T>();
  const highWater = width * 4;
  const seen = new Set<number>();
  let fatal: unknown;
  let sourceError: unknown;
  let entriesRead = 0;
  let deadlineReached = false;
  let notReached = 0;
  let abandoned = false;
  let lastStarted: number | undefined;
  // Resuming: targets up to the previous run's last one wait until the rest have had their turn.
  let deferring = opts.resumeAfter !== undefined;
  const deferred: T[] = [];

  // Savings put off until every target was handled: at most --max-actions of them (the guard refuses more).
  const later: Array<{ target: T; deferred: Deferred }> = [];
  const record = (outcome: Outcome): void => {
    if (opts.keep?.(outcome) ?? true) outcomes.push(outcome);
    logOutcome(opts.logger, outcome);
  };

  const handleOne = async (target: T, deferred?: Deferred): Promise<void> => {
    if (fatal || abandoned) return;
    if (opts.deadline?.expired()) {
      deadlineReached = true;
      if (!deferred) {
        notReached++;
        return;
      }
      const why = opts.deadline.interruptedBy ? `${opts.deadline.interruptedBy} received before its turn` : 'the deadline passed before its turn';
      record(deferred.unreached(why));
      return;
    }
    if (!deferred) lastStarted = target.id;
    running.set(target.id, target);
    try {
      const handled = deferred ? await deferred.later() : await opts.handle(target);
      if (abandoned) return; // already recorded as unknown; the report is out
      if (isDeferred(handled)) later.push({ target, deferred: handled });
      else record(handled);
    } catch (err) {
      if (abandoned) return;
      if (isFatal(err)) {
        // Queued handlers see `fatal` and return at once (clearing p-limit's queue instead would
        // leave their promises unsettled forever).
        fatal ??= err;
        return;
      }
      const outcome = failedOutcome(target, 'unexpected error', describeError(err));
      outcomes.push(outcome);
      opts.logger.error({ challenge: target.id, error: outcome.error }, 'challenge failed');
    } finally {
      running.delete(target.id);
    }
  };

  // Woken when a task ends, so a full window waits for one slot (Promise.race over the whole
  // window at every submit cost more CPU than the reads themselves on a long list).
  let slotFreed: (() => void) | undefined;
  const submit = async (target: T, deferred?: Deferred): Promise<void> => {
    const task: Promise<void> = limit(() => handleOne(target, deferred)).finally(() => {
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
        const id = entry.ok ? entry.target.id : entry.id;
        if (opts.only && (id === null || !opts.only.has(id))) continue;
        if (id !== null) seen.add(id);
        if (!entry.ok) {
          const outcome = failedOutcome({ id: entry.id, title: entry.title }, entry.reason, describeError(entry.error));
          outcomes.push(outcome);
          opts.logger.error({ challenge: entry.id, error: outcome.error }, entry.logAs);
          continue;
        }
        if (deferring) {
          deferred.push(entry.target);
          if (entry.target.id === opts.resumeAfter) deferring = false;
          continue;
        }
        await submit(entry.target);
      }
    } catch (err) {
      if (isFatal(err)) fatal ??= err;
      else sourceError = err;
    }
    if (deferred.length) {
      opts.logger.debug({ resumeAfter: opts.resumeAfter, deferred: deferred.length }, 'resuming after the previous run: now the targets it had not reached');
      while (deferred.length && !stopStarting()) await submit(deferred.shift()!);
      notReached += deferred.length;
    }
    await Promise.all(inFlight);
    // Every target was handled and every start has claimed its share of the budget: now the savings.
    if (later.length) opts.logger.debug({ deferred: later.length }, 'carrying out the deferred savings (stops) after the starts');
    for (const item of later.splice(0)) await submit(item.target, item.deferred);
    await Promise.all(inFlight);
  };

  const stop = opts.deadline?.abandoned.then((reason) => reason) ?? new Promise<string>(() => undefined);
  const abandonReason = await Promise.race([drive().then(() => undefined), stop]);
  if (abandonReason !== undefined) {
    abandoned = true;
    deadlineReached = true;
    for (const t of running.values()) {
      const outcome = failedOutcome(t, `${abandonReason}: it was in flight, what it did is unknown; the next run looks again`, 'abandoned while in flight');
      outcomes.push(outcome);
      opts.logger.error({ challenge: t.id, error: outcome.error }, 'challenge abandoned while in flight');
    }
  }

  if (opts.only && !fatal && !sourceError && !deadlineReached) {
    for (const id of opts.only) {
      if (!seen.has(id)) outcomes.push(failedOutcome({ id }, opts.notListed.reason, opts.notListed.error(id)));
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
