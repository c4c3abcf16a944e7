import { describe, expect, it } from 'vitest';
import { forecastTicks, ruleForecast, seasonalForecast, statOf } from '../../src/simulate/forecast.js';
import { runTicking } from '../../src/simulate/model.js';
import { runPoolPolicy } from '../../src/simulate/pool-model.js';
import type { PoolPolicy } from '../../src/pool/policy.js';
import type { TraceSubmission } from '../../src/simulate/trace.js';

const M = 60_000;
const DAY = 86_400_000;

describe('the seasonal forecast', () => {
  it('the most seen at boot ahead on each of the last days; none while the history is shorter than a day', () => {
    const perDay = 10;
    const past = Array.from({ length: 25 }, (_, i) => (i === 3 ? 7 : i === 14 ? 5 : 1));
    // k = 24 (the last sample), lead 2: yesterday's index 24 + 2 - 10 = 16, two days ago 6: both 1.
    expect(seasonalForecast(past, perDay, 2, 0, 2)).toBe(1);
    expect(seasonalForecast(past.slice(0, 23), perDay, 2, 0, 2)).toBe(5); // k = 22: 14 (5) and 4 (1)
    expect(seasonalForecast(past.slice(0, 22), perDay, 2, 0, 2)).toBe(7); // k = 21: 13 (1) and 3 (7)
    expect(seasonalForecast(past.slice(0, 22), perDay, 2, 0, 1)).toBe(1); // yesterday only
    expect(seasonalForecast(past.slice(0, 22), perDay, 2, 1, 1)).toBe(5); // a window of one more tick: 13, 14
    expect(seasonalForecast(past.slice(0, 8), perDay, 2, 0, 1)).toBe(null); // 7 + 2 - 10 < 0: too short
  });
  it('ticks: a day, the boot rounded up, the window', () => {
    expect(forecastTicks(M, 3 * M, 0)).toEqual({ ticksPerDay: 1440, leadTicks: 3, windowTicks: 0 });
    expect(forecastTicks(5 * M, 3 * M, 10 * M)).toEqual({ ticksPerDay: 288, leadTicks: 1, windowTicks: 2 });
  });
});

/** One queue; one job every 30 min of 10 min for three days, and a spike of 6 jobs at 12:00 on day 1 (0-based) when `spike`. */
function trace(spike: boolean): TraceSubmission[] {
  const out: TraceSubmission[] = [];
  for (let m = 0; m < 3 * 1440; m += 30) out.push({ challenge: 1, arrivalMs: m * M + 15_000, durationMs: 10 * M });
  if (spike) for (let i = 0; i < 6; i++) out.push({ challenge: 2, arrivalMs: DAY + 12 * 60 * M + i * 1000, durationMs: 20 * M });
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs);
}
const policy: PoolPolicy = { minHosts: 0, maxHosts: 10, jobsPerHost: 1, maxLaunchesPerTick: 10, launchTimeoutMs: 10 * M, unhealthyTimeoutMs: DAY, minUptimeMs: 0, scaleDownDelayMs: 0, headroom: 'none' };
const clock = { t0: 0, intervalMs: M, bootMs: 3 * M };
const launchesBefore = (sessions: number[], t: number) => sessions.filter((x, i) => i % 2 === 0 && x < t).length;

describe('the forecast rules: a statistic of the same time of day over days, of the level or of the rise', () => {
  it('statistics: max, mean, nearest-rank percentiles', () => {
    expect(statOf([3, 1, 2, 0], 'max')).toBe(3);
    expect(statOf([3, 1, 2, 0], 'mean')).toBe(1.5);
    expect(statOf([3, 1, 2, 0], 'p25')).toBe(0); // rank ceil(1) = 1
    expect(statOf([3, 1, 2, 0], 'p50')).toBe(1); // rank 2
    expect(statOf([3, 1, 2, 0], 'p75')).toBe(2); // rank 3
  });
  it('level and rise from the days that reach, none with less than a day', () => {
    const T = 10;
    // three days of 10 ticks; at index 2 (lead ahead of index 0 each day) the days saw 4, 0 and 2.
    const past = [0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 3];
    // k = 30, lead 2: day 1 index 22 (2), day 2 index 12 (0), day 3 index 2 (4)
    expect(ruleForecast(past, T, 2, { days: 3, stat: 'max', rise: false })).toBe(4);
    expect(ruleForecast(past, T, 2, { days: 3, stat: 'p50', rise: false })).toBe(2);
    expect(ruleForecast(past, T, 2, { days: 3, stat: 'p25', rise: false })).toBe(0);
    expect(ruleForecast(past, T, 2, { days: 1, stat: 'max', rise: false })).toBe(2);
    // rise: 2 - 1 (index 20), 0 - 1 (10), 4 - 0 (0); n now is 3
    expect(ruleForecast(past, T, 2, { days: 3, stat: 'p50', rise: false })).toBe(2);
    expect(ruleForecast(past, T, 2, { days: 3, stat: 'p50', rise: true })).toBe(3 + 1);
    expect(ruleForecast(past, T, 2, { days: 2, stat: 'mean', rise: true })).toBe(3); // (1 − 1) / 2 = 0
    expect(ruleForecast(past.slice(0, 8), T, 2, { days: 3, stat: 'max', rise: false })).toBe(null);
  });
});

describe('anticipation in the replay: only the past is visible', () => {
  const spikeAt = DAY + 12 * 60 * M;
  it('before the spike arrives the anticipatory run does exactly what it does on the trace without the spike (it cannot see it)', () => {
    const withSpike = runPoolPolicy(trace(true), policy, clock, undefined, { days: 1, windowMs: 0 });
    const without = runPoolPolicy(trace(false), policy, clock, undefined, { days: 1, windowMs: 0 });
    const before = (s: number[]) => s.filter((_, i) => i % 2 === 0).filter((x) => x <= spikeAt);
    expect(before(withSpike.sessions)).toEqual(before(without.sessions));
  });
  it('the day after, it launches for the spike boot-time ahead, where the reactive run waits for it', () => {
    const ahead = DAY + spikeAt; // 12:00 on day 2: no spike then, but one was seen at that time yesterday
    const anticipating = runPoolPolicy(trace(true), policy, clock, undefined, { days: 1, windowMs: 0 });
    const reactive = runPoolPolicy(trace(true), policy, clock);
    const window = (s: number[]) => launchesBefore(s, ahead) - launchesBefore(s, ahead - 3 * M - 1);
    expect(window(reactive.sessions)).toBe(0);
    expect(window(anticipating.sessions)).toBeGreaterThanOrEqual(6);
  });
});

/** One challenge: a submission at 10:00 each day for three days (5 min each), and when `spike` one more at 12:00 on day 1. */
function workerTrace(spike: boolean): TraceSubmission[] {
  const out: TraceSubmission[] = [];
  for (let d = 0; d < 3; d++) out.push({ challenge: 1, arrivalMs: d * DAY + 10 * 60 * M + 30_000, durationMs: 5 * M });
  if (spike) out.push({ challenge: 1, arrivalMs: DAY + 12 * 60 * M + 30_000, durationMs: 5 * M });
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs);
}
const workerPolicy = { mode: 'prod' as const, includeEc2: false };
const rule = { days: 1, stat: 'max' as const, rise: false };

describe('anticipation for scale-workers in the replay: only the past is visible', () => {
  const spikeAt = DAY + 12 * 60 * M + 30_000;
  it('before the spike arrives the run starts and stops the worker exactly as without it (it cannot see it)', () => {
    const withSpike = runTicking(workerTrace(true), 1, workerPolicy, clock, undefined, rule);
    const without = runTicking(workerTrace(false), 1, workerPolicy, clock, undefined, rule);
    const before = (s: number[]) => s.filter((x) => x <= spikeAt);
    expect(before(withSpike.sessions)).toEqual(before(without.sessions));
    expect(before(withSpike.sessions).length).toBeGreaterThan(0); // it did act before: the 10:00 ones
  });
  it('the next day it starts the worker boot-time ahead of the tick that first saw yesterday\'s submission pending', () => {
    const anticipating = runTicking(workerTrace(false), 1, workerPolicy, clock, undefined, rule);
    const reactive = runTicking(workerTrace(false), 1, workerPolicy, clock);
    const day1 = 1; // the second submission: 10:00:30 on day 1
    expect(reactive.starts[day1]! - (DAY + 10 * 60 * M + 30_000)).toBeGreaterThanOrEqual(3 * M);
    // yesterday's was first pending at the 10:01 tick; the worker is started at 09:58 and ready at 10:01
    expect(anticipating.sessions).toContain(DAY + (9 * 60 + 58) * M);
    expect(anticipating.starts[day1]).toBe(DAY + (10 * 60 + 1) * M);
    // on day 0 there is no history yet: the same wait as the reactive policy
    expect(anticipating.starts[0]).toBe(reactive.starts[0]);
  });
});

describe('no peeking, whatever the rule', () => {
  const spikeAt = DAY + 12 * 60 * M;
  const rules = [
    { days: 14, stat: 'p25' as const, rise: false },
    { days: 2, stat: 'mean' as const, rise: true },
    { days: 3, stat: 'p50' as const, rise: true },
  ];
  for (const r of rules) {
    it(`${r.days}d ${r.stat}${r.rise ? ' rise' : ''}: a pool launches and a worker starts the same before the spike as without it`, () => {
      const a = { days: r.days, windowMs: 0, stat: r.stat, rise: r.rise };
      // launches before the spike's first job arrives (at spikeAt itself the tick sees it: a reactive launch)
      const launches = (spike: boolean) => runPoolPolicy(trace(spike), policy, clock, undefined, a).sessions.filter((x, i) => i % 2 === 0 && x < spikeAt);
      expect(launches(true)).toEqual(launches(false));
      const worker = (spike: boolean) => runTicking(workerTrace(spike), 1, workerPolicy, clock, undefined, r).sessions.filter((x) => x <= DAY + 12 * 60 * M + 30_000);
      expect(worker(true)).toEqual(worker(false));
    });
  }
});
