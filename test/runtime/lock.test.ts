import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, lockHolder, readPidStart, type LockInfo } from '../../src/runtime/lock.js';
import { ConfigError } from '../../src/runtime/errors.js';

const dir = () => mkdtempSync(join(tmpdir(), 'lock-'));
const opts = { holdForMs: 600_000, waitMs: 0 };
const holderFile = (path: string, g: number, info: Partial<LockInfo>) =>
  writeFileSync(`${path}.${g}`, JSON.stringify({ pid: 1, host: hostname(), startedAt: new Date().toISOString(), staleAt: new Date(Date.now() + 600_000).toISOString(), nonce: 'n', ...info }));
const isRoot = process.getuid?.() === 0;

describe('acquireLock', () => {
  it('takes a free lock, records the holder whole, and marks it released', async () => {
    const path = join(dir(), 'scale-workers.lock');
    const lock = await acquireLock(path, opts);
    expect(lock.acquired).toBe(true);
    expect(JSON.parse(readFileSync(`${path}.0`, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(lockHolder(path)).toMatchObject({ pid: process.pid });
    if (lock.acquired) lock.release();
    expect(lockHolder(path)).toBeNull();
    expect((await acquireLock(path, opts)).acquired).toBe(true);
  });

  it('refuses a lock held by a live process, naming the holder', async () => {
    const path = join(dir(), 'x.lock');
    const first = await acquireLock(path, opts);
    const second = await acquireLock(path, opts);
    expect(second).toEqual({ acquired: false, holder: expect.objectContaining({ pid: process.pid }) });
    if (first.acquired) first.release();
  });

  it('takes over a lock left by a dead process on this host, and cleans the dead generation', async () => {
    const d = dir();
    const path = join(d, 'x.lock');
    holderFile(path, 0, { pid: 999_999_999 });
    const lock = await acquireLock(path, opts);
    expect(lock.acquired).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['x.lock.1']);
  });

  it('a live pid that is no longer the holder (another start time, another boot) is stale; the holder itself is not', async () => {
    const identity = { isAlive: () => true, bootId: () => 'boot-a', pidStart: (pid: number) => (pid === 1 ? '500' : undefined) };
    const at = (info: Partial<LockInfo>) => {
      const path = join(dir(), 'x.lock');
      holderFile(path, 0, info);
      return acquireLock(path, { ...opts, ...identity });
    };
    // A restarted container: PID 1 again, started at another time.
    expect((await at({ pid: 1, bootId: 'boot-a', pidStart: '100' })).acquired).toBe(true);
    // The machine booted since: whatever runs under that pid now is not the holder.
    expect((await at({ pid: 1, bootId: 'boot-b', pidStart: '500' })).acquired).toBe(true);
    // The same process: held.
    expect(await at({ pid: 1, bootId: 'boot-a', pidStart: '500' })).toMatchObject({ acquired: false, holder: { pid: 1 } });
    // An older lock without the fields, or a system without /proc: the pid alone decides, as before.
    expect((await at({ pid: 1 })).acquired).toBe(false);
    const noProc = join(dir(), 'x.lock');
    holderFile(noProc, 0, { pid: 1, bootId: 'boot-a', pidStart: '100' });
    expect((await acquireLock(noProc, { ...opts, isAlive: () => true, bootId: () => undefined, pidStart: () => undefined })).acquired).toBe(false);
  });

  it.runIf(existsSync('/proc/self/stat'))('records the boot id and its own start time with the lock', async () => {
    const path = join(dir(), 'x.lock');
    const lock = await acquireLock(path, opts);
    expect(lock.acquired).toBe(true);
    const info = JSON.parse(readFileSync(`${path}.0`, 'utf8')) as LockInfo;
    expect(info.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(info.pidStart).toBe(readPidStart(process.pid));
    expect(info.pidStart).toMatch(/^\d+$/);
  });

  it('a live holder on another host blocks only until its own staleAt (its deadline and watchdog), not for an hour', async () => {
    const path = join(dir(), 'x.lock');
    const t0 = Date.parse('2026-11-29T10:00:00Z');
    holderFile(path, 0, { host: 'restarted-container', staleAt: new Date(t0 + 300_000).toISOString() });
    expect((await acquireLock(path, { ...opts, now: () => t0 + 299_000 })).acquired).toBe(false);
    expect((await acquireLock(path, { ...opts, now: () => t0 + 300_000 })).acquired).toBe(true);
  });

  it('an unrelated live pid on this host blocks only until staleAt', async () => {
    const path = join(dir(), 'x.lock');
    const t0 = Date.now();
    holderFile(path, 0, { pid: process.pid, staleAt: new Date(t0 + 60_000).toISOString() });
    expect((await acquireLock(path, { ...opts, now: () => t0 })).acquired).toBe(false);
    expect((await acquireLock(path, { ...opts, now: () => t0 + 60_001 })).acquired).toBe(true);
  });

  it('the holder writes its own staleAt from the time it may hold the lock', async () => {
    const path = join(dir(), 'x.lock');
    const t0 = Date.parse('2026-11-29T10:00:00Z');
    await acquireLock(path, { holdForMs: 3 * 3_600_000, waitMs: 0, now: () => t0 });
    expect(JSON.parse(readFileSync(`${path}.0`, 'utf8')).staleAt).toBe('2026-11-29T13:00:00.000Z');
  });

  it('takes over a garbage lock file', async () => {
    const path = join(dir(), 'x.lock');
    writeFileSync(`${path}.0`, '{"pid": 12');
    expect((await acquireLock(path, opts)).acquired).toBe(true);
  });

  it('--wait-lock: waits for the holder to finish', async () => {
    const path = join(dir(), 'x.lock');
    const first = await acquireLock(path, opts);
    let polls = 0;
    const second = await acquireLock(path, {
      ...opts,
      waitMs: 60_000,
      pollMs: 1,
      // The holder lets go after the third look, whatever the clock says.
      isAlive: () => {
        if (++polls === 3 && first.acquired) first.release();
        return true;
      },
    });
    expect(second.acquired).toBe(true);
  });

  it('release does not touch a lock that another run took over', async () => {
    const path = join(dir(), 'x.lock');
    const first = await acquireLock(path, opts);
    holderFile(path, 1, { pid: 4242, host: 'other', nonce: 'theirs' });
    if (first.acquired) first.release();
    expect(lockHolder(path)).toMatchObject({ pid: 4242, nonce: 'theirs' });
  });

  it('a directory where the lock belongs: one clear error naming it, after a bounded number of tries', async () => {
    const path = join(dir(), 'x.lock');
    mkdirSync(`${path}.0`);
    const err = await acquireLock(path, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/cannot read the lock .*x\.lock\.0 \(EISDIR\): a directory stands where a file belongs; remove it/);
  });

  it.skipIf(isRoot)('a read-only state directory: one clear error naming it (root ignores modes: skipped as root)', async () => {
    const d = dir();
    chmodSync(d, 0o500);
    const err = await acquireLock(join(d, 'x.lock'), opts).catch((e: unknown) => e);
    chmodSync(d, 0o700);
    expect((err as Error).message).toMatch(/cannot create the lock .* \(EACCES\)/);
  });

  it('a state directory that does not exist: one clear error', async () => {
    const err = await acquireLock(join(dir(), 'missing', 'x.lock'), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/ENOENT/);
  });
});
