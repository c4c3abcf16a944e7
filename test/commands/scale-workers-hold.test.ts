import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideWorkers, type Pending } from '../../src/commands/scale-workers/decide.js';
import type { ScaleWorkersPolicy } from '../../src/commands/scale-workers/policy.js';
import type { ChallengeMemory } from '../../src/state/memory.js';
import { aChallenge, ended, NOW } from '../builders.js';

const base: ScaleWorkersPolicy = { mode: 'prod', includeEc2: false };
const delay30: ScaleWorkersPolicy = { ...base, scaleDownDelayMs: 30 * 60_000 };
const uptime15: ScaleWorkersPolicy = { ...base, minUptimeMs: 15 * 60_000 };
const both: ScaleWorkersPolicy = { ...delay30, ...uptime15 };
const ago = (min: number) => NOW.minus({ minutes: min }).toISO()!;
const mem = (m: Partial<ChallengeMemory> = {}): ChallengeMemory => ({ lastSeenAt: ago(5), ...m });

describe('decideWorkers with history: --scale-down-delay and --min-uptime', () => {
  const rows: Array<[string, number | null, number, ScaleWorkersPolicy, ChallengeMemory | null, string, RegExp]> = [
    ['delay: idle 12 min of 30 -> kept', 1, 0, delay30, mem({ idleSince: ago(12) }), 'none', /no pending submissions, 1 worker up; idle for 12 min of 30 min: kept/],
    ['delay: idle 30 min of 30 -> stop, saying so', 1, 0, delay30, mem({ idleSince: ago(30) }), 'stop', /no pending submissions, 1 worker up; idle for 30 min of 30 min$/],
    ['delay: idle 2 h -> stop', 2, 0, delay30, mem({ idleSince: ago(120) }), 'stop', /idle for 2 h of 30 min/],
    ['delay: first seen idle (not in the history) -> kept, idle 0', 1, 0, delay30, mem(), 'none', /idle for 0 s of 30 min: kept/],
    ['delay: no usable history (missing/corrupt) -> stop, as today', 1, 0, delay30, null, 'stop', /^no pending submissions, 1 worker up$/],
    ['min-uptime: started 5 min ago -> kept', 1, 0, uptime15, mem({ startedAt: ago(5), idleSince: ago(5) }), 'none', /up for 5 min of 15 min minimum: kept/],
    ['min-uptime: started 20 min ago -> stop', 1, 0, uptime15, mem({ startedAt: ago(20) }), 'stop', /up for 20 min of 15 min minimum$/],
    ['min-uptime: start time unknown (not started by a run) -> stop', 1, 0, uptime15, mem({ idleSince: ago(1) }), 'stop', /^no pending submissions, 1 worker up$/],
    ['both: up long enough, idle too short -> kept by the delay', 1, 0, both, mem({ startedAt: ago(60), idleSince: ago(10) }), 'none', /idle for 10 min of 30 min: kept/],
    ['both: idle long enough, up too short -> kept by min uptime', 1, 0, both, mem({ startedAt: ago(10), idleSince: ago(40) }), 'none', /up for 10 min of 15 min minimum: kept/],
    ['both satisfied -> stop naming both', 1, 0, both, mem({ startedAt: ago(60), idleSince: ago(40) }), 'stop', /up for 1 h of 15 min minimum, idle for 40 min of 30 min$/],
    ['pending -> start, whatever the history', 0, 2, both, mem({ idleSince: ago(1) }), 'start', /2 pending submissions and no worker/],
    ['busy -> none, whatever the history', 1, 2, both, mem({ startedAt: ago(1) }), 'none', /busy/],
    ['no worker, idle -> none', 0, 0, both, mem({ idleSince: ago(100) }), 'none', /idle: no pending submissions, no worker/],
  ];
  it.each(rows)('%s', (_name, workers, pending, policy, memory, action, reason) => {
    const d = decideWorkers(aChallenge({ workers }), pending, policy, NOW, memory);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });

  it('an ended challenge is never stopped, held or not', () => {
    expect(decideWorkers(aChallenge({ workers: 1, ...ended() }), 0, both, NOW, mem({ idleSince: ago(999) })).action).toBe('none');
  });
});

const pendingArb: fc.Arbitrary<Pending> = fc.oneof(fc.nat(5), fc.constantFrom('unknown' as const, 'not read' as const));
const memoryArb: fc.Arbitrary<ChallengeMemory | null> = fc.option(
  fc.record(
    {
      startedAt: fc.integer({ min: 0, max: 600 }).map(ago),
      idleSince: fc.integer({ min: 0, max: 600 }).map(ago),
      lastSeenAt: fc.constant(ago(5)),
    },
    { requiredKeys: ['lastSeenAt'] },
  ),
  { nil: null },
);
const challengeArb = fc.record({
  workers: fc.constantFrom(null, 0, 1, 2),
  endDays: fc.constantFrom(null, -3, 0, 30),
  remoteEvaluation: fc.boolean(),
  usesEc2Worker: fc.boolean(),
});
const challengeOf = (c: { workers: number | null; endDays: number | null; remoteEvaluation: boolean; usesEc2Worker: boolean }) =>
  aChallenge({ workers: c.workers, endDate: c.endDays === null ? null : NOW.plus({ days: c.endDays }), remoteEvaluation: c.remoteEvaluation, usesEc2Worker: c.usesEc2Worker });

describe('the options never change today\'s decisions when off, and only ever keep a worker when on', () => {
  it('off (absent or 0): the decision is exactly the one without history, whatever the history', () => {
    fc.assert(
      fc.property(challengeArb, pendingArb, memoryArb, fc.constantFrom('dev' as const, 'staging' as const, 'prod' as const), fc.constantFrom(undefined, 0), (c, pending, memory, mode, zero) => {
        const policy: ScaleWorkersPolicy = { mode, includeEc2: false, ...(zero === 0 ? { scaleDownDelayMs: 0, minUptimeMs: 0 } : {}) };
        expect(decideWorkers(challengeOf(c), pending, policy, NOW, memory)).toEqual(decideWorkers(challengeOf(c), pending, { mode, includeEc2: false }, NOW));
      }),
      { numRuns: 500 },
    );
  });

  it('no usable history: exactly today\'s decision, options on or off', () => {
    fc.assert(
      fc.property(challengeArb, pendingArb, (c, pending) => {
        expect(decideWorkers(challengeOf(c), pending, both, NOW, null)).toEqual(decideWorkers(challengeOf(c), pending, base, NOW));
      }),
      { numRuns: 300 },
    );
  });

  it('on: the only difference from today is a stop turned into none (kept)', () => {
    fc.assert(
      fc.property(challengeArb, pendingArb, memoryArb, fc.nat(120), fc.nat(120), (c, pending, memory, delayMin, upMin) => {
        const policy: ScaleWorkersPolicy = { ...base, scaleDownDelayMs: delayMin * 60_000, minUptimeMs: upMin * 60_000 };
        const today = decideWorkers(challengeOf(c), pending, base, NOW);
        const held = decideWorkers(challengeOf(c), pending, policy, NOW, memory);
        if (held.action !== today.action) {
          expect(today.action).toBe('stop');
          expect(held.action).toBe('none');
          expect(held.reason).toMatch(/: kept$/);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
