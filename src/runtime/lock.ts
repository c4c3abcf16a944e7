import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

export type LockResult = { acquired: true; release: () => void } | { acquired: false; holder: LockInfo | null };

export interface LockOptions {
  /** A lock older than this is stale whatever its pid says (a run never lasts this long). */
  staleAfterMs: number;
  /** Keep trying this long before giving up (--wait-lock); 0 = one try. */
  waitMs: number;
  pollMs?: number;
  now?: () => number;
  isAlive?: (pid: number) => boolean;
}

/**
 * One run at a time per command and target: an exclusive-create lock file holding the holder's pid,
 * host and start time. A lock left by a dead process (same host, pid gone) or older than
 * `staleAfterMs` is taken over.
 */
export async function acquireLock(path: string, opts: LockOptions): Promise<LockResult> {
  const now = opts.now ?? Date.now;
  const isAlive = opts.isAlive ?? processIsAlive;
  const deadline = now() + opts.waitMs;
  for (;;) {
    const me: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date(now()).toISOString() };
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return { acquired: true, release: () => releaseIfMine(path, me) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    if (isStale(holder, opts.staleAfterMs, now(), isAlive)) {
      try {
        unlinkSync(path);
      } catch {
        // Another run removed it first; try again.
      }
      continue;
    }
    if (now() >= deadline) return { acquired: false, holder };
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 250));
  }
}

function isStale(holder: LockInfo | null, staleAfterMs: number, now: number, isAlive: (pid: number) => boolean): boolean {
  if (!holder) return true; // unreadable or half-written: its writer died mid-write or it is garbage
  const age = now - Date.parse(holder.startedAt);
  if (!Number.isFinite(age) || age > staleAfterMs) return true;
  return holder.host === hostname() && !isAlive(holder.pid);
}

function readHolder(path: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof info.pid === 'number' && typeof info.host === 'string' && typeof info.startedAt === 'string') return info as LockInfo;
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return null;
  }
}

function releaseIfMine(path: string, me: LockInfo): void {
  const holder = readHolder(path);
  if (holder && holder.pid === me.pid && holder.startedAt === me.startedAt) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
