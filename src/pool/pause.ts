import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { z } from '../runtime/zod.js';
import { writeFileAtomically } from '../runtime/atomic-file.js';

/**
 * A pool's pause (`scale-pool pause` / `resume`, KEDA's paused annotation): while it is set, every
 * tick observes and reports the pool, and launches, drains and terminates nothing (pause-hold.ts).
 * It is kept where every scheduler of the pool reads it on every tick: the shared S3 object of
 * backend.coordination (ledger-s3.ts), else a file in the state directory (`pauseFileStore`).
 */
export interface PoolPause {
  /** When it was paused (ms since the epoch). */
  since: number;
  /** Who paused it (`--by`, else user@host). */
  by: string;
  reason?: string;
}

/** What a tick is told: the pool is paused, or its pause could not be read (then it is held as if paused). */
export type PauseHold = { pause: PoolPause } | { unreadable: string };

export const MAX_PAUSE_BY_CHARS = 200;
export const MAX_PAUSE_REASON_CHARS = 500;

export const pauseSchema = z.strictObject({
  since: z.number().int().nonnegative(),
  by: z.string().min(1).max(MAX_PAUSE_BY_CHARS),
  reason: z.string().min(1).max(MAX_PAUSE_REASON_CHARS).optional(),
});

/** "paused since 2026-12-07T12:03:00Z by alice (kernel upgrade)". */
export function describePause(p: PoolPause): string {
  return `paused since ${new Date(p.since).toISOString().replace(/\.\d+Z$/, 'Z')} by ${p.by}${p.reason ? ` (${p.reason})` : ''}`;
}

/** The words every held action carries: "held: pool paused since … by …". */
export function holdLine(h: PauseHold): string {
  if ('pause' in h) return `held: pool ${describePause(h.pause)}`;
  return `held: ${h.unreadable}; the pool is held as if paused until its pause can be read`;
}

/** How many times a conflicting write is retried before the pause or resume gives up. */
export const PAUSE_ATTEMPTS = 5;

/** Where a pool's pause is kept; read with a version, written only if the version is unchanged. */
export interface PauseStore {
  /** "file /var/…/x.pause.json", "s3://bucket/key". */
  readonly where: string;
  /** Throws (saying what is wrong) when the pause cannot be read or is not understood. */
  load(): Promise<{ pause: PoolPause | null; version: string | null }>;
  save(pause: PoolPause | null, version: string | null): Promise<boolean>;
}

/**
 * Read, change, write-if-unchanged, up to PAUSE_ATTEMPTS times. `change` sees the current pause and
 * returns the one to keep; nothing is written when it returns the same object (already paused, not
 * paused). Returns the pause before and after.
 */
export async function changePause(store: PauseStore, change: (current: PoolPause | null) => PoolPause | null): Promise<{ before: PoolPause | null; after: PoolPause | null; written: boolean }> {
  for (let attempt = 1; attempt <= PAUSE_ATTEMPTS; attempt += 1) {
    const { pause, version } = await store.load();
    const next = change(pause);
    if (next === pause) return { before: pause, after: pause, written: false };
    if (await store.save(next, version)) return { before: pause, after: next, written: true };
  }
  throw new Error(`${store.where} changed under ${PAUSE_ATTEMPTS} writes in a row (another scheduler is writing it): nothing changed`);
}

/**
 * The pause of a pool without coordination: a file of the state directory, named by the pool file and
 * the pool (not by --pool), so `run`, `status` and `pause` with or without --pool share it. Only
 * `pause` and `resume` write it; a tick reads it at its start.
 */
export function pauseFileStore(path: string, pool: string): PauseStore {
  const where = `the pause file ${path}`;
  const read = (): string | null => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`${where} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const digest = (text: string | null): string | null => (text === null ? null : createHash('sha256').update(text).digest('hex'));
  return {
    where,
    load() {
      const text = read();
      return Promise.resolve({ pause: text === null ? null : parsePauseFile(text, where), version: digest(text) });
    },
    save(pause, version) {
      if (digest(read()) !== version) return Promise.resolve(false);
      writeFileAtomically(path, `${JSON.stringify({ version: 1, pool, pause }, null, 2)}\n`, 0o600);
      return Promise.resolve(true);
    },
  };
}

const pauseFile = z.object({ version: z.literal(1), pause: pauseSchema.nullable() });

function parsePauseFile(text: string, where: string): PoolPause | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${where} is not valid JSON`);
  }
  const parsed = pauseFile.safeParse(json);
  if (!parsed.success) throw new Error(`${where} is not understood`);
  return parsed.data.pause;
}

/** A store in memory (tests). */
export function memoryPauseStore(initial: PoolPause | null = null): PauseStore & { pause: PoolPause | null } {
  let version = 0;
  const store = {
    where: 'in memory',
    pause: initial,
    load: () => Promise.resolve({ pause: store.pause, version: String(version) }),
    save(pause: PoolPause | null, v: string | null) {
      if (v !== String(version)) return Promise.resolve(false);
      store.pause = pause;
      version += 1;
      return Promise.resolve(true);
    },
  };
  return store;
}

/** What a tick is told, read from the store: null when not paused; an unreadable pause holds the pool. */
export async function readHold(store: PauseStore): Promise<PauseHold | null> {
  try {
    const { pause } = await store.load();
    return pause ? { pause } : null;
  } catch (err) {
    return { unreadable: `the pause of the pool cannot be read (${err instanceof Error ? err.message : String(err)})` };
  }
}
