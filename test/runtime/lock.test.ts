import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/runtime/lock.js';

const dir = () => mkdtempSync(join(tmpdir(), 'lock-'));
const opts = { staleAfterMs: 3_600_000, waitMs: 0 };

describe('acquireLock', () => {
  it('takes a free lock, records the holder, and releases it', async () => {
    const path = join(dir(), 'scale-workers.lock');
    const lock = await acquireLock(path, opts);
    expect(lock.acquired).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    if (lock.acquired) lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a lock held by a live process, naming the holder', async () => {
    const path = join(dir(), 'x.lock');
    const first = await acquireLock(path, opts);
    const second = await acquireLock(path, opts);
    expect(second).toEqual({ acquired: false, holder: expect.objectContaining({ pid: process.pid }) });
    if (first.acquired) first.release();
  });

  it('takes over a lock left by a dead process on this host', async () => {
    const path = join(dir(), 'x.lock');
    writeFileSync(path, JSON.stringify({ pid: 999_999_999, host: hostname(), startedAt: new Date().toISOString() }));
    const lock = await acquireLock(path, opts);
    expect(lock.acquired).toBe(true);
  });

  it('takes over a lock older than the stale age, even from another host', async () => {
    const path = join(dir(), 'x.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: new Date(Date.now() - 7_200_000).toISOString() }));
    expect((await acquireLock(path, opts)).acquired).toBe(true);
  });

  it('keeps a fresh lock from another host (its pid cannot be checked from here)', async () => {
    const path = join(dir(), 'x.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: new Date().toISOString() }));
    expect((await acquireLock(path, opts)).acquired).toBe(false);
  });

  it('takes over a garbage lock file', async () => {
    const path = join(dir(), 'x.lock');
    writeFileSync(path, '{"pid": 12');
    expect((await acquireLock(path, opts)).acquired).toBe(true);
  });

  it('--wait-lock: waits for the holder to finish', async () => {
    const path = join(dir(), 'x.lock');
    const first = await acquireLock(path, opts);
    setTimeout(() => first.acquired && first.release(), 100);
    const second = await acquireLock(path, { ...opts, waitMs: 5_000, pollMs: 20 });
    expect(second.acquired).toBe(true);
  });

  it('release does not remove a lock that another run took over', async () => {
    const path = join(dir(), 'x.lock');
    const first = await acquireLock(path, opts);
    writeFileSync(path, JSON.stringify({ pid: 4242, host: 'other', startedAt: new Date().toISOString() }));
    if (first.acquired) first.release();
    expect(existsSync(path)).toBe(true);
  });
});
