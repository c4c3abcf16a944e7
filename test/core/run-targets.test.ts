import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runOverTargets, type Target, type TargetEntry } from '../../src/core/run-targets.js';
import type { Outcome } from '../../src/core/outcome.js';
import type { Deferred } from '../../src/core/deferred.js';
import { Deadline } from '../../src/runtime/deadline.js';

const logger = pino({ level: 'silent' });
const notListed = { reason: 'not in the pool file', error: (id: number) => `pool ${id} is not in the pool file` };

async function* targets(ids: number[]): AsyncGenerator<TargetEntry<Target>> {
  for (const id of ids) yield { ok: true, target: { id, title: `pool ${id}` } };
}

const unchanged = (t: Target): Outcome => ({ challengeId: t.id, title: t.title, action: 'none', reason: 'ok', status: 'unchanged' });

describe('runOverTargets (any source, no EvalAI)', () => {
  it('an error carrying the RunFatal marker stops the run; an unmarked error fails only its target', async () => {
    const handled: number[] = [];
    const fatal = Object.assign(new Error('credentials rejected'), { runFatal: true as const });
    const r = await runOverTargets({
      source: targets([1, 2, 3]),
      concurrency: 1,
      notListed,
      logger,
      handle: async (t) => {
        handled.push(t.id);
        if (t.id === 1) throw new Error('one pool broke');
        if (t.id === 2) throw fatal;
        return unchanged(t);
      },
    });
    expect(handled).toEqual([1, 2]);
    expect(r.fatal).toBe(fatal);
    expect(r.outcomes).toEqual([expect.objectContaining({ challengeId: 1, status: 'failed', reason: 'unexpected error', error: 'one pool broke' })]);
  });

  it('an injected predicate decides what is fatal', async () => {
    const r = await runOverTargets({
      source: targets([1, 2]),
      concurrency: 1,
      notListed,
      logger,
      isFatal: (err) => err instanceof Error && err.message === 'stop',
      handle: async () => {
        throw new Error('stop');
      },
    });
    expect(r.fatal).toBeInstanceOf(Error);
    expect(r.outcomes).toEqual([]);
  });

  it('--challenge ids the source never shows are reported with the source\'s words; untrusted entries are failures, never handled', async () => {
    async function* source(): AsyncGenerator<TargetEntry<Target>> {
      yield { ok: false, id: 5, reason: 'pool entry invalid', error: 'field max: expected a number', logAs: 'pool entry invalid' };
      yield* targets([6]);
    }
    const handled: number[] = [];
    const r = await runOverTargets({
      source: source(),
      concurrency: 2,
      only: new Set([5, 6, 7]),
      notListed,
      logger,
      handle: async (t) => {
        handled.push(t.id);
        return unchanged(t);
      },
    });
    expect(handled).toEqual([6]);
    expect(r.outcomes.map((o) => [o.challengeId, o.status, o.reason, o.error])).toEqual([
      [7, 'failed', 'not in the pool file', 'pool 7 is not in the pool file'],
      [6, 'unchanged', 'ok', undefined],
      [5, 'failed', 'pool entry invalid', 'field max: expected a number'],
    ]);
  });

  describe('deferred savings', () => {
    const saving = (t: Target, order: string[]): Deferred => ({
      later: async () => {
        order.push(`stop ${t.id}`);
        return { challengeId: t.id, title: t.title, action: 'stop', reason: 'idle', status: 'done' };
      },
      unreached: (why) => ({ challengeId: t.id, title: t.title, action: 'stop', reason: `stop not carried out: ${why}`, status: 'skipped' }),
    });

    it('are carried out after every target was handled, whatever their place in the source', async () => {
      const order: string[] = [];
      const r = await runOverTargets({
        source: targets([1, 2, 3, 4]),
        concurrency: 2,
        notListed,
        logger,
        handle: async (t) => {
          if (t.id % 2 === 1) return saving(t, order);
          order.push(`start ${t.id}`);
          return { challengeId: t.id, title: t.title, action: 'start', reason: 'pending', status: 'done' };
        },
      });
      expect(order.slice(0, 2).sort()).toEqual(['start 2', 'start 4']);
      expect(order.slice(2).sort()).toEqual(['stop 1', 'stop 3']);
      expect(r.outcomes.map((o) => `${o.action} ${o.challengeId} ${o.status}`)).toEqual(['start 4 done', 'stop 3 done', 'start 2 done', 'stop 1 done']);
    });

    it('whose turn never comes (the deadline passed) are reported as not carried out, and the run as stopped by the deadline', async () => {
      let now = 0;
      const deadline = Deadline.after(1000, () => now);
      const order: string[] = [];
      const r = await runOverTargets({
        source: targets([1, 2]),
        concurrency: 1,
        notListed,
        logger,
        deadline,
        handle: async (t) => {
          if (t.id === 1) return saving(t, order);
          now = 2000; // the start took the rest of the run's time
          return { challengeId: t.id, title: t.title, action: 'start', reason: 'pending', status: 'done' };
        },
      });
      expect(order).toEqual([]);
      expect(r.deadlineReached).toBe(true);
      expect(r.outcomes).toContainEqual(expect.objectContaining({ challengeId: 1, status: 'skipped', reason: 'stop not carried out: the deadline passed before its turn' }));
    });
  });
});
