import { describe, expect, it } from 'vitest';
import { HYBRID_DEFAULTS } from '../../src/commands/scale-workers/keep-alive.js';
import type { ScaleWorkersPolicy } from '../../src/commands/scale-workers/policy.js';
import { runTicking, type SimClock } from '../../src/simulate/model.js';
import { byChallenge, runWorkerSetting } from '../../src/simulate/run-setting.js';
import { parseCombination } from '../../src/simulate/settings.js';
import type { TraceSubmission } from '../../src/simulate/trace.js';

const M = 60_000;
const clock: SimClock = { t0: 0, intervalMs: M, bootMs: 3 * M };
const hybrid: ScaleWorkersPolicy = { mode: 'prod', includeEc2: false, keepAlive: { ...HYBRID_DEFAULTS, bootMs: 3 * M } };

/** One challenge: a submission of 5 min every hour (at hh:00:30) for a day; when `spike`, one more at 15:20:30. */
function hourly(spike: boolean): TraceSubmission[] {
  const out: TraceSubmission[] = Array.from({ length: 24 }, (_, h) => ({ challenge: 1, arrivalMs: h * 60 * M + 30_000, durationMs: 5 * M }));
  if (spike) out.push({ challenge: 1, arrivalMs: (15 * 60 + 20) * M + 30_000, durationMs: 5 * M });
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs);
}
const workerMs = (sessions: number[]) => sessions.reduce((sum, x, i) => sum + (i % 2 ? x : -x), 0);

describe('the hybrid keep-alive in the replay', () => {
  it('once ten idle times are known, the worker is pre-warmed boot-time ahead and the hourly submission does not wait', () => {
    const trace = hourly(false);
    const run = runTicking(trace, 1, hybrid, clock);
    const waits = trace.map((s, j) => run.starts[j]! - s.arrivalMs);
    expect(waits.slice(0, 11).every((w) => w === 3.5 * M)).toBe(true); // a cold start: the 00:01 tick and the boot
    expect(waits.slice(11).every((w) => w === 0)).toBe(true);
    // between two submissions the worker is stopped as soon as it is idle (the next one is far off)
    const fixed60 = runTicking(trace, 1, { mode: 'prod', includeEc2: false, scaleDownDelayMs: 60 * M }, clock);
    expect(workerMs(run.sessions)).toBeLessThan(workerMs(fixed60.sessions) / 2);
  });
  it('is the knob keep-alive=hybrid of a setting', () => {
    const s = parseCombination('interval=1m,keep-alive=hybrid', { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: 5 * M }, 'workers', '--also');
    const withKnob = runWorkerSetting(byChallenge(hourly(false)), s, 0, 3 * M).figures;
    const without = runWorkerSetting(byChallenge(hourly(false)), { ...s, keepAlive: undefined }, 0, 3 * M).figures;
    expect(withKnob.wait.p50).toBe(0);
    expect(without.wait.p50).toBe(210);
  });
  it('sees only the past: before a spike arrives it starts and stops the worker exactly as on the trace without it', () => {
    const spikeAt = (15 * 60 + 20) * M + 30_000;
    const withSpike = runTicking(hourly(true), 1, hybrid, clock);
    const without = runTicking(hourly(false), 1, hybrid, clock);
    const before = (s: number[]) => s.filter((x) => x <= spikeAt);
    expect(before(withSpike.sessions)).toEqual(before(without.sessions));
    expect(before(without.sessions).length).toBeGreaterThan(20); // it did act before: pre-warm starts and stops
    expect(withSpike.sessions).not.toEqual(without.sessions); // and the spike does change what comes after
  });
});
