import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { runOverTargets, type Target, type TargetEntry } from '../../src/core/run-targets.js';
import type { Outcome } from '../../src/core/outcome.js';

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
});
