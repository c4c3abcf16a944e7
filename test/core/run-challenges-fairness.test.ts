import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ChallengeEntry } from '../../src/core/run-challenges.js';
import { runOverChallenges } from '../../src/core/run-challenges.js';
import { Deadline } from '../../src/runtime/deadline.js';
import { aChallenge } from '../builders.js';

const logger = pino({ level: 'silent' });

async function* entries(ids: number[]): AsyncGenerator<ChallengeEntry> {
  for (const id of ids) yield { ok: true, challenge: aChallenge({ id, title: `c${id}` }) };
}

/** One run whose deadline passes once `budget` challenges have been handled (a virtual clock). */
async function runWithBudget(ids: number[], budget: number, resumeAfter?: number) {
  let clock = 0;
  const deadline = new Deadline(budget, () => clock);
  const handled: number[] = [];
  const result = await runOverChallenges({
    source: entries(ids),
    concurrency: 1,
    logger,
    deadline,
    resumeAfter,
    handle: async (c) => {
      handled.push(c.id);
      clock++;
      return { challengeId: c.id, action: 'none', reason: 'ok', status: 'unchanged' };
    },
  });
  return { handled, result };
}

describe('fairness under the deadline: the next run resumes where the last stopped', () => {
  const ids = Array.from({ length: 20 }, (_, i) => 1000 - i); // newest first, as EvalAI lists them

  it('a run that stops early names the last challenge it started; the next one starts after it', async () => {
    const first = await runWithBudget(ids, 7);
    expect(first.handled).toEqual(ids.slice(0, 7));
    expect(first.result.resumeAfter).toBe(ids[6]);
    const second = await runWithBudget(ids, 7, first.result.resumeAfter);
    expect(second.handled).toEqual(ids.slice(7, 14));
    expect(second.result.resumeAfter).toBe(ids[13]);
  });

  it('every challenge is reached within ceil(n / per-run) runs, then the order wraps round', async () => {
    const reached = new Set<number>();
    let resumeAfter: number | undefined;
    for (let run = 1; run <= 3; run++) {
      const r = await runWithBudget(ids, 7, resumeAfter);
      r.handled.forEach((id) => reached.add(id));
      resumeAfter = r.result.resumeAfter;
    }
    expect(reached.size).toBe(20);
    // The third run reached the list's end and went on with the head of the list.
    const fourth = await runWithBudget(ids, 7, resumeAfter);
    expect(fourth.handled).toEqual(ids.slice(1, 8));
  });

  it('a run that gets through the whole list clears the place', async () => {
    const r = await runWithBudget(ids, 100, ids[10]);
    expect(r.handled).toEqual([...ids.slice(11), ...ids.slice(0, 11)]);
    expect(r.result.resumeAfter).toBeUndefined();
    expect(r.result.deadlineReached).toBe(false);
  });

  it('a place that is no longer in the list (a deleted challenge) falls back to list order', async () => {
    const r = await runWithBudget(ids, 100, 5);
    expect(r.handled).toEqual(ids);
  });

  it('a run that starts nothing keeps the previous place', async () => {
    const r = await runWithBudget(ids, 0, ids[4]);
    expect(r.handled).toEqual([]);
    expect(r.result.resumeAfter).toBe(ids[4]);
  });
});
