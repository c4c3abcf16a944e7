import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChallengeEntry } from '../../src/core/run-challenges.js';
import { EvalAIError } from '../../src/evalai/errors.js';
import { runOverChallenges } from '../../src/core/run-challenges.js';
import { Deadline } from '../../src/runtime/deadline.js';
import type { Challenge } from '../../src/core/challenge.js';
import { aChallenge } from '../builders.js';

const logger = pino({ level: 'silent' });

async function* entries(n: number, failAfter?: { at: number; error: unknown }): AsyncGenerator<ChallengeEntry> {
  for (let i = 1; i <= n; i++) {
    if (failAfter && i > failAfter.at) throw failAfter.error;
    yield { ok: true, challenge: aChallenge({ id: i, title: `c${i}` }) };
  }
}

const done = (c: Challenge) => Promise.resolve({ challengeId: c.id, action: 'none', reason: 'ok', status: 'unchanged' as const });

describe('runOverChallenges', () => {
  it('handles every challenge, a few at a time, and sorts outcomes newest first', async () => {
    let running = 0;
    let peak = 0;
    const r = await runOverChallenges({
      source: entries(50),
      concurrency: 3,
      logger,
      handle: async (c) => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
        return done(c);
      },
    });
    expect(r.outcomes.map((o) => o.challengeId)).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
    expect(peak).toBeLessThanOrEqual(3);
    expect(r.entriesRead).toBe(50);
  });

  it('one challenge throwing fails only that challenge', async () => {
    const r = await runOverChallenges({
      source: entries(5),
      concurrency: 2,
      logger,
      handle: async (c) => {
        if (c.id === 3) throw new Error('boom');
        return done(c);
      },
    });
    expect(r.outcomes.find((o) => o.challengeId === 3)).toMatchObject({ status: 'failed', error: 'boom' });
    expect(r.outcomes.filter((o) => o.status === 'unchanged')).toHaveLength(4);
  });

  it('a rejected token mid-run stops the run without hanging, and no later challenge is handled', async () => {
    const handled: number[] = [];
    const r = await runOverChallenges({
      source: entries(200),
      concurrency: 2,
      logger,
      handle: async (c) => {
        handled.push(c.id);
        if (c.id === 10) throw new EvalAIError('token-rejected', 'x', 'rejected');
        await new Promise((resolve) => setTimeout(resolve, 1));
        return done(c);
      },
    });
    expect(r.fatal).toBeInstanceOf(EvalAIError);
    expect(Math.max(...handled)).toBeLessThan(20);
  });

  it('a failing source keeps the challenges already read', async () => {
    const r = await runOverChallenges({ source: entries(10, { at: 4, error: new Error('page 2 failed') }), concurrency: 2, logger, handle: done });
    expect(r.outcomes).toHaveLength(4);
    expect(r.sourceError).toBeInstanceOf(Error);
    expect(r.entriesRead).toBe(4);
  });

  it('--challenge: handles only those ids, and reports an id never listed as failed', async () => {
    const r = await runOverChallenges({ source: entries(10), concurrency: 2, logger, only: new Set([3, 77]), handle: done });
    expect(r.outcomes.map((o) => [o.challengeId, o.status])).toEqual([
      [77, 'failed'],
      [3, 'unchanged'],
    ]);
  });

  it('an invalid entry is that challenge\'s failure, not the run\'s', async () => {
    async function* src(): AsyncGenerator<ChallengeEntry> {
      yield { ok: true, challenge: aChallenge({ id: 1 }) };
      yield { ok: false, id: 2, title: 'bad', error: new EvalAIError('malformed-response', 'challenge list', 'field workers: expected number') };
    }
    const r = await runOverChallenges({ source: src(), concurrency: 2, logger, handle: done });
    expect(r.outcomes).toEqual([
      expect.objectContaining({ challengeId: 2, status: 'failed', error: 'challenge list: field workers: expected number' }),
      expect.objectContaining({ challengeId: 1, status: 'unchanged' }),
    ]);
  });
});

describe('runOverChallenges: the deadline, on a fake clock that each handler advances by 10 as it starts', () => {
  /** Deadline at 50: the handlers starting at 0, 10, 20, 30 and 40 run; the one that would start at 50 must not. */
  function clockedRun(listed: number) {
    let clock = 0;
    const starts: Array<{ id: number; at: number }> = [];
    const run = runOverChallenges({
      source: entries(listed),
      concurrency: 2,
      logger,
      deadline: new Deadline(50, () => clock),
      handle: async (c) => {
        starts.push({ id: c.id, at: clock });
        clock += 10;
        await new Promise((resolve) => setImmediate(resolve)); // in flight while the others queue
        return done(c);
      },
    });
    return { run, starts };
  }

  it('no handler starts after the deadline; what started finishes; every challenge queued but not started is counted', async () => {
    // 8 challenges: all read and queued at once (the read-ahead is 4 x concurrency), 5 started in time.
    const { run, starts } = clockedRun(8);
    const r = await run;
    expect(starts.filter((s) => s.at >= 50)).toEqual([]);
    expect(starts.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
    expect(r.outcomes.map((o) => o.challengeId)).toEqual([5, 4, 3, 2, 1]);
    expect(r.deadlineReached).toBe(true);
    expect(r.notReached).toBe(3);
    expect(r.entriesRead).toBe(8);
  });

  it('a long list: past the deadline the rest of the list is not read either', async () => {
    const { run, starts } = clockedRun(500);
    const r = await run;
    expect(starts.map((s) => s.id)).toEqual([1, 2, 3, 4, 5]);
    expect(r.deadlineReached).toBe(true);
    expect(r.entriesRead).toBeLessThanOrEqual(5 + 4 * 2 + 1);
  });

  it('a deadline never reached: everything runs, nothing is counted', async () => {
    let clock = 0;
    const r = await runOverChallenges({ source: entries(8), concurrency: 2, logger, deadline: new Deadline(1000, () => clock), handle: async (c) => ((clock += 10), done(c)) });
    expect(r.outcomes).toHaveLength(8);
    expect(r.deadlineReached).toBe(false);
    expect(r.notReached).toBe(0);
  });
});
