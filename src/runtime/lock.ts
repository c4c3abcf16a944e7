import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from './errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** After this the lock is stale whoever holds it: the holder's own watchdog has ended it by then. */
  staleAt: string;
  /** Tells this holding apart from every other, even of the same pid. */
  nonce: string;
  /** Set when the holder let go. */
  released?: boolean;
  /** The kernel's boot id (/proc/sys/kernel/random/boot_id) when the lock was taken; absent without /proc. */
  bootId?: string;
  /** The holder's start time (/proc/<pid>/stat field 22, clock ticks since boot); absent without /proc. */
  pidStart?: string;
}

export type LockResult = { acquired: true; release: () => void } | { acquired: false; holder: LockInfo | null };

export interface LockOptions {
  /**
   * How long this run may hold the lock at most: its deadline, request timeouts and watchdog
   * margin. Past it another run may take the lock over, on any host.
   */
  holdForMs: number;
  /** Keep trying this long before giving up (--wait-lock); 0 = one try. */
  waitMs: number;
  pollMs?: number;
  now?: () => number;
  isAlive?: (pid: number) => boolean;
  hostname?: string;
  /** Injected in tests; /proc otherwise (undefined where /proc is missing). */
  bootId?: () => string | undefined;
  pidStart?: (pid: number) => string | undefined;
}

/** Races lost in a row before acquisition gives up with an error (each is a few system calls). */
const MAX_LOST_RACES = 100;

/**
 * One run at a time per command and target, without a window in which two runs both hold it.
 *
 * The lock is a series of generation files `<path>.0`, `<path>.1`, ...; the holder is whoever
 * created the highest one, and only while that file is live. Each file is created whole and
 * atomically (written aside, then hard-linked into place, which fails if the name exists), so no
 * reader ever sees it empty. Taking over a stale holder never removes its file: it creates the
 * next generation, which exactly one contender can do. A contender that created a generation from
 * an out-of-date listing finds a higher one when it looks again, and withdraws. Generations below
 * the highest are dead and are cleaned up by the next holder.
 *
 * A holder is stale when it released the lock, when its `staleAt` has passed (its own deadline and
 * watchdog have ended it by then, whatever host it runs on), or when it ran on this host and its
 * pid is gone, or its pid now belongs to another process: the machine booted since (another boot
 * id), or the process with that pid started at another time than the holder (a restarted
 * container reuses PID 1 and other low pids). Where /proc is missing, only the pid is asked.
 * Every unexpected file-system error is one ConfigError naming the path.
 */
export async function acquireLock(path: string, opts: LockOptions): Promise<LockResult> {
  const now = opts.now ?? Date.now;
  const isAlive = opts.isAlive ?? processIsAlive;
  const host = opts.hostname ?? osHostname();
  const identity: ProcessIdentity = { isAlive, bootId: opts.bootId ?? readBootId, pidStart: opts.pidStart ?? readPidStart };
  const giveUpAt = now() + opts.waitMs;
  let lostRaces = 0;
  for (;;) {
    const generations = listGenerations(path);
    const top = generations.at(-1);
    if (top !== undefined) {
      const holder = readHolder(`${path}.${top}`);
      if (holder === 'gone') {
        if (++lostRaces > MAX_LOST_RACES) throw tooContended(path);
        continue;
      }
      if (holder !== 'garbage' && !isStale(holder, now(), host, identity)) {
        if (now() >= giveUpAt) return { acquired: false, holder };
        await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 250));
        continue;
      }
    }
    const mine = (top ?? -1) + 1;
    const me: LockInfo = {
      pid: process.pid,
      host,
      startedAt: new Date(now()).toISOString(),
      staleAt: new Date(now() + opts.holdForMs).toISOString(),
      nonce: randomBytes(8).toString('hex'),
      ...definedOnly({ bootId: identity.bootId(), pidStart: identity.pidStart(process.pid) }),
    };
    if (!createWhole(`${path}.${mine}`, me) || listGenerations(path).some((g) => g > mine)) {
      // Another run created this generation first, or a later one exists: ours (if created) withdraws.
      removeIfMine(`${path}.${mine}`, me);
      if (++lostRaces > MAX_LOST_RACES) throw tooContended(path);
      continue;
    }
    for (const g of generations) if (g < mine) removeQuietly(`${path}.${g}`);
    return { acquired: true, release: () => markReleased(`${path}.${mine}`, me) };
  }
}

/** The holder of a lock, if any (for `status` and messages). */
export function lockHolder(path: string): LockInfo | null {
  const top = listGenerations(path).at(-1);
  if (top === undefined) return null;
  const holder = readHolder(`${path}.${top}`);
  return holder === 'gone' || holder === 'garbage' || holder.released ? null : holder;
}

interface ProcessIdentity {
  isAlive: (pid: number) => boolean;
  bootId: () => string | undefined;
  pidStart: (pid: number) => string | undefined;
}

function isStale(holder: LockInfo, now: number, host: string, id: ProcessIdentity): boolean {
  if (holder.released) return true;
  const staleAt = Date.parse(holder.staleAt);
  if (!Number.isFinite(staleAt) || now >= staleAt) return true;
  if (holder.host !== host) return false;
  if (!id.isAlive(holder.pid)) return true;
  // The pid is alive: is it still the holder? Each check needs both sides; without /proc it is.
  const boot = id.bootId();
  if (holder.bootId !== undefined && boot !== undefined && holder.bootId !== boot) return true;
  const start = holder.pidStart !== undefined ? id.pidStart(holder.pid) : undefined;
  return start !== undefined && start !== holder.pidStart;
}

/** This boot of the kernel, or undefined where /proc is missing. */
function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * When the process `pid` started (field 22 of /proc/<pid>/stat, clock ticks since boot), or
 * undefined where /proc is missing or the process is gone. Field 2 (the command name) may hold
 * spaces and parentheses, so fields are counted after its last ')'.
 */
export function readPidStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state): field 22 is rest[19].
    const start = rest[19];
    return start !== undefined && /^\d+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

function definedOnly<T extends Record<string, string | undefined>>(o: T): Partial<Record<keyof T, string>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<Record<keyof T, string>>;
}

function listGenerations(path: string): number[] {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch (err) {
    throw lockError(dirname(path), err, 'read the state directory');
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d{1,15}$/.test(n.slice(prefix.length)))
    .map((n) => Number(n.slice(prefix.length)))
    .sort((a, b) => a - b);
}

function readHolder(file: string): LockInfo | 'gone' | 'garbage' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw lockError(file, err, 'read the lock');
  }
  try {
    const info = JSON.parse(text) as Partial<LockInfo>;
    if (typeof info.pid === 'number' && typeof info.host === 'string' && typeof info.staleAt === 'string' && typeof info.nonce === 'string') {
      if (typeof info.bootId !== 'string') delete info.bootId;
      if (typeof info.pidStart !== 'string') delete info.pidStart;
      return info as LockInfo;
    }
  } catch {
    // Not JSON: written by something else. It cannot be a holder of this lock.
  }
  return 'garbage';
}

/** Creates `file` with its whole content, or returns false if it exists. */
function createWhole(file: string, info: LockInfo): boolean {
  const tmp = `${dirname(file)}/.${basename(file)}.${info.nonce}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    removeQuietly(tmp);
    throw lockError(file, err, 'create the lock');
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw lockError(file, err, 'create the lock');
  } finally {
    removeQuietly(tmp);
  }
}

function removeIfMine(file: string, me: LockInfo): void {
  const holder = readHolderQuietly(file);
  if (holder && holder.nonce === me.nonce) removeQuietly(file);
}

/** Marks the holding released in place (atomically), so that the generation number is never reused. */
function markReleased(file: string, me: LockInfo): void {
  const holder = readHolderQuietly(file);
  if (!holder || holder.nonce !== me.nonce) return; // taken over meanwhile: not ours to touch
  const tmp = `${dirname(file)}/.${basename(file)}.${me.nonce}.released.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ ...me, released: true }) + '\n', { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    removeQuietly(tmp);
    // The lock stays as it was; it goes stale when this pid exits or at staleAt.
  }
}

function readHolderQuietly(file: string): LockInfo | null {
  try {
    const h = readHolder(file);
    return h === 'gone' || h === 'garbage' ? null : h;
  } catch {
    return null;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or not ours to remove: nothing depends on it.
  }
}

function lockError(path: string, err: unknown, what: string): ConfigError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new ConfigError(`cannot ${what} ${path} (${code}): ${STATE_DIR_FIX[code] ?? 'check the state directory'}; nothing was done`);
}

/** What an operator does about a file-system error in the state directory. */
export const STATE_DIR_FIX: Record<string, string> = {
  EACCES: 'the state directory is not writable by this user; fix its owner or mode, or set --state-dir',
  EPERM: 'the state directory is not writable by this user; fix its owner or mode, or set --state-dir',
  EROFS: 'the state directory is on a read-only file system; set --state-dir to a writable directory',
  ENOSPC: 'the file system of the state directory is full; free space or set --state-dir',
  EDQUOT: 'the disk quota of the state directory is used up; free space or set --state-dir',
  EISDIR: 'a directory stands where a file belongs; remove it',
  ENOTDIR: 'a file stands where the state directory belongs; remove it or set --state-dir',
  ENOENT: 'the state directory is missing; create it or set --state-dir',
};

function tooContended(path: string): ConfigError {
  return new ConfigError(`cannot take the lock ${path}: lost ${MAX_LOST_RACES} races in a row to other runs; check for a runaway cron line`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const lockFileOf = (dir: string, target: string): string => join(dir, `${target}.lock`);
