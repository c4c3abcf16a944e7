import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HaltedError } from '../../src/runtime/errors.js';
import { createSharedPacer, rateBucketFile } from '../../src/runtime/shared-rate-limit.js';

const logger = pino({ level: 'silent' });

/** A virtual clock shared by the pacers of one test: sleeping advances it. */
function virtualClock() {
  const clock = {
    t: 1_000_000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}
const bucket = () => join(mkdtempSync(join(tmpdir(), 'evalai-autoscaler-rate-')), 'rate-test.json');

describe('createSharedPacer: one --rate-limit budget for the commands of a host', () => {
  it('two pacers on one file (two commands) share the budget: the third call of the minute waits for the oldest to leave the window', async () => {
    const clock = virtualClock();
    const file = bucket();
    const a = createSharedPacer({ file, perMinute: 3, logger, clock });
    const b = createSharedPacer({ file, perMinute: 3, logger, clock });
    const sentAt: Array<[string, number]> = [];
    const take = async (name: string, p: typeof a) => {
      await p.take();
      sentAt.push([name, clock.t]);
    };
    await take('a', a);
    clock.t += 1_000;
    await take('b', b);
    await take('a', a);
    await take('b', b); // the fourth: waits until the first leaves the window
    expect(sentAt).toEqual([
      ['a', 1_000_000],
      ['b', 1_001_000],
      ['a', 1_001_000],
      ['b', 1_060_000],
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([1_001_000, 1_001_000, 1_060_000]);
  });

  it('a wait that would end past the deadline is not made: the call is not sent (HaltedError), and takes no place', async () => {
    const clock = virtualClock();
    const file = bucket();
    const p = createSharedPacer({ file, perMinute: 1, logger, clock, waitBudgetMs: () => 30_000 });
    await p.take();
    const err = await p.take().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HaltedError);
    expect((err as Error).message).toMatch(/--rate-limit 1 a minute \(shared by the commands on this host\) has no room before the run's deadline/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(1);
    expect(clock.t).toBe(1_000_000);
  });

  it('a signal ends a wait: the call is not sent', async () => {
    const file = bucket();
    let stop: (why: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const clock = { now: () => 5_000, sleep: () => new Promise<void>(() => stop('SIGTERM received')) };
    const p = createSharedPacer({ file, perMinute: 1, logger, clock, stopped });
    await p.take();
    await expect(p.take()).rejects.toThrow(/SIGTERM received while waiting for EvalAI's rate limit/);
  });

  it('a lock left by a process that died is taken over; a garbled file is an empty window', async () => {
    const file = bucket();
    writeFileSync(`${file}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    writeFileSync(file, '{not json');
    const p = createSharedPacer({ file, perMinute: 2, logger, clock: virtualClock() });
    await p.take();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([1_000_000]);
  });

  it('the file name shows no part of the token, and differs by API and token', () => {
    const one = rateBucketFile('/state', 'https://eval.ai', 'secret-token-1');
    expect(one).toMatch(/^\/state\/rate-[0-9a-f]{16}\.json$/);
    expect(one).not.toContain('secret');
    expect(rateBucketFile('/state', 'https://eval.ai/', 'secret-token-1')).toBe(one);
    expect(rateBucketFile('/state', 'https://eval.ai', 'secret-token-2')).not.toBe(one);
    expect(rateBucketFile('/state', 'https://staging.eval.ai', 'secret-token-1')).not.toBe(one);
  });
});
