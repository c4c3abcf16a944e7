import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { decideWorkers } from '../../src/commands/scale-workers/decide.js';
import type { ScaleWorkersPolicy } from '../../src/commands/scale-workers/policy.js';
import { runTicking, type SimClock } from '../../src/simulate/model.js';
import type { TraceSubmission } from '../../src/simulate/trace.js';
import { remember, type ChallengeMemory } from '../../src/state/memory.js';

const MIN = 60_000;
const KINDS = { start: ['start'], stop: ['stop'] };

/** The model of docs/simulate.md, evaluated naively at every tick (no skipping): the reference. */
function naive(subs: TraceSubmission[], policy: ScaleWorkersPolicy, clock: SimClock) {
  const { t0, intervalMs, bootMs } = clock;
  const starts = new Array<number>(subs.length);
  const sessions: number[] = [];
  let coldStarts = 0;
  let up = false;
  let requestedAt = 0;
  let readyAt = 0;
  let assigned = 0;
  let lastCompletion = -Infinity;
  let memory: ChallengeMemory = { lastSeenAt: '' };
  const challenge = (workers: number) => ({ id: 1, title: 'c', startDate: null, endDate: null, createdAt: null, approvedByAdmin: true, published: true, isDockerBased: false, remoteEvaluation: false, usesEc2Worker: false, workers });
  for (let k = 0; ; k++) {
    const t = t0 + k * intervalMs;
    const arrived = subs.filter((s) => s.arrivalMs <= t).length;
    const assign = () => {
      for (; assigned < arrived; assigned++) {
        starts[assigned] = Math.max(subs[assigned]!.arrivalMs, lastCompletion, readyAt);
        lastCompletion = starts[assigned]! + subs[assigned]!.durationMs;
      }
    };
    if (up) assign();
    let completed = 0;
    while (completed < assigned && starts[completed]! + subs[completed]!.durationMs <= t) completed++;
    const pending = arrived - completed;
    const now = DateTime.fromMillis(t, { zone: 'utc' });
    const d = decideWorkers(challenge(up ? 1 : 0), pending, policy, now, memory);
    const wasUp = up;
    if (d.action === 'start') {
      up = true;
      requestedAt = t;
      readyAt = t + bootMs;
      coldStarts++;
      assign();
    } else if (d.action === 'stop') {
      up = false;
      sessions.push(requestedAt, t);
    }
    memory = remember(memory, { pending, capacityUp: wasUp }, { action: d.action, status: 'done' }, KINDS, now);
    if (!up && arrived === subs.length && pending === 0) break;
  }
  return { starts, sessions, coldStarts };
}

const traceArb = fc
  .array(fc.record({ at: fc.integer({ min: 0, max: 300 }), dur: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 25 })
  .map((rows) => rows.map((r) => ({ challenge: 1, arrivalMs: r.at * MIN + (r.at % 7) * 1000, durationMs: r.dur * MIN + (r.dur % 3) * 10_000 })).sort((a, b) => a.arrivalMs - b.arrivalMs));

describe('the simulator\'s skipping is exact: it equals evaluating every tick', () => {
  it('for random traces, intervals, boot times and hold options', () => {
    fc.assert(
      fc.property(
        traceArb,
        fc.constantFrom(1, 5, 10),
        fc.constantFrom(0, 3, 7),
        fc.constantFrom(0, 10, 30),
        fc.constantFrom(0, 15, 45),
        (subs, intervalMin, bootMin, delayMin, upMin) => {
          const t0 = Math.floor(subs[0]!.arrivalMs / MIN) * MIN;
          const clock = { t0, intervalMs: intervalMin * MIN, bootMs: bootMin * MIN };
          const policy: ScaleWorkersPolicy = { mode: 'prod', includeEc2: false, scaleDownDelayMs: delayMin * MIN, minUptimeMs: upMin * MIN };
          const fast = runTicking(subs, 1, policy, clock);
          const ref = naive(subs, policy, clock);
          expect(Array.from(fast.starts)).toEqual(ref.starts);
          expect(fast.sessions).toEqual(ref.sessions);
          expect(fast.coldStarts).toBe(ref.coldStarts);
        },
      ),
      { numRuns: 300 },
    );
  });
});
