/**
 * One budget for EvalAI's user-throttled endpoints across every command on a host. The server
 * allows 60 calls a minute per user, shared by all of them (contract §1.3), and the commands of
 * one crontab use one token: paced each on its own, three commands started in the same minute
 * spend three budgets and are answered 429. This pacer keeps all of them within `--rate-limit`
 * through a small file in the state directory.
 *
 * The file (`rate-<key>.json`) holds the send times of the last minute: at most `perMinute`
 * numbers. Taking a place means: create the lock file next to it with O_EXCL (`open(..., 'wx')`,
 * atomic on a local file system), read the times, drop those older than a minute, add one if
 * there is room, write the file aside and rename it over, remove the lock. The lock is held for
 * that one small read and write (well under a millisecond), never across a wait; a process that
 * finds no room releases it and sleeps until the oldest time leaves the window.
 *
 * A lock older than STALE_LOCK_MS is taken to be left by a process that died while holding it and
 * is removed. That is the one race: processes that find the same stale lock at the same moment may
 * each remove it (one may remove the other's fresh lock), so each of them may take a place
 * without seeing the others'. The budget can then be exceeded by at most one call per such
 * process, once, and only after a process died in the microseconds it held the lock.
 *
 * When the file cannot be used (an I/O error), the run warns once and paces itself alone.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-file.js';
import { HaltedError } from './errors.js';
import type { Logger } from './logger.js';
import { createPacer, type Pacer } from './rate-limit.js';

export const WINDOW_MS = 60_000;
export const STALE_LOCK_MS = 2_000;

export interface SharedPacerOptions {
  /** The bucket file (rateBucketFile). */
  file: string;
  perMinute: number;
  logger: Logger;
  clock?: { now: () => number; sleep: (ms: number) => Promise<void> };
  /** How long the run may still wait (the deadline's time left): a wait past it is not made; the call is not sent. */
  waitBudgetMs?: () => number;
  /** Settles when a signal asks the run to stop: a wait ends, the call is not sent. */
  stopped?: Promise<string>;
}

/**
 * The bucket file of one API and token in the state directory. The key is a hash: the file name
 * shows neither the token nor anything from which it could be recovered.
 */
export function rateBucketFile(stateDir: string, baseUrl: string, token: string): string {
  const key = createHash('sha256').update(`${new URL(baseUrl).origin}\n${token}`).digest('hex').slice(0, 16);
  return join(stateDir, `rate-${key}.json`);
}

const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

export function createSharedPacer(opts: SharedPacerOptions): Pacer {
  const clock = opts.clock ?? realClock;
  const lockPath = `${opts.file}.lock`;
  let fallback: Pacer | undefined;
  let taken = 0;
  let queue: Promise<void> = Promise.resolve();

  /** Sleeps `ms`, or until a signal: then throws HaltedError. */
  const wait = async (ms: number): Promise<void> => {
    const stopped = opts.stopped ? await Promise.race([clock.sleep(ms).then(() => undefined), opts.stopped]) : (await clock.sleep(ms), undefined);
    if (stopped !== undefined) throw new HaltedError(`${stopped} while waiting for EvalAI's rate limit`);
  };

  const lock = async (): Promise<void> => {
    for (;;) {
      try {
        closeSync(openSync(lockPath, 'wx', 0o600));
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let age: number;
      try {
        age = Date.now() - statSync(lockPath).mtimeMs; // the file system's clock, not an injected one
      } catch {
        continue; // released meanwhile: try again at once
      }
      if (age > STALE_LOCK_MS) {
        rmSync(lockPath, { force: true });
        continue;
      }
      await wait(2 + Math.floor(Math.random() * 8));
    }
  };

  /** A place now (returns 0), or how long until the oldest call leaves the window. */
  const tryTake = (): number => {
    const now = clock.now();
    const times = readTimes(opts.file).filter((t) => t > now - WINDOW_MS && t <= now + WINDOW_MS);
    if (times.length < opts.perMinute) {
      times.push(now);
      // Nothing else is cut: another command may have a larger --rate-limit, and its calls count here too.
      writeFileAtomically(opts.file, JSON.stringify(times) + '\n', 0o600);
      return 0;
    }
    return Math.max(1, times[times.length - opts.perMinute]! + WINDOW_MS - now);
  };

  const takeOne = async (): Promise<void> => {
    for (;;) {
      let waitMs: number;
      try {
        await lock();
        try {
          waitMs = tryTake();
        } finally {
          rmSync(lockPath, { force: true });
        }
      } catch (err) {
        if (err instanceof HaltedError) throw err;
        opts.logger.warn({ file: opts.file, error: (err as Error).message }, 'the shared rate-limit file cannot be used: this run paces its own calls only');
        fallback = createPacer(opts.perMinute, clock);
        return fallback.take();
      }
      if (waitMs === 0) return;
      const budget = opts.waitBudgetMs?.() ?? Infinity;
      if (waitMs > budget) {
        throw new HaltedError(`--rate-limit ${opts.perMinute} a minute (shared by the commands on this host) has no room before the run's deadline`);
      }
      opts.logger.debug({ waitMs }, 'rate limit: waiting for room in the shared budget');
      await wait(waitMs);
    }
  };

  return {
    take() {
      const mine = queue.then(() => (fallback ? fallback.take() : takeOne()));
      // Serialised, so concurrent callers are admitted in order; one caller's failure is its own.
      queue = mine.then(
        () => undefined,
        () => undefined,
      );
      return mine.then(() => {
        taken++;
      });
    },
    get taken() {
      return taken;
    },
  };
}

/** The send times in the file; a missing or unreadable file is an empty window (it is rewritten whole). */
function readTimes(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)).sort((a, b) => a - b) : [];
  } catch {
    return [];
  }
}
