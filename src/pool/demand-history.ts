import { statOf, type ForecastStat } from './forecast-stat.js';
import { desiredSize, type PoolPolicy } from './policy.js';

/**
 * The demand a pool has seen, one sample per tick: [time (ms), n]. Ascending in time, bounded to
 * MAX_SAMPLES (four weeks of 1-minute ticks): the oldest go first. Kept in the state directory
 * (demand-history-file.ts) for the forecast-only mode of `scale-pool run`.
 */
export interface DemandHistory {
  samples: Array<[number, number]>;
}

export const MAX_SAMPLES = 28 * 1440;
const DAY = 86_400_000;

export const EMPTY_DEMAND_HISTORY: DemandHistory = { samples: [] };

/** The history with n seen at `at` appended (a sample not later than the last is ignored), the oldest dropped beyond `max`. */
export function recordDemand(h: DemandHistory, at: number, n: number, max = MAX_SAMPLES): DemandHistory {
  const last = h.samples[h.samples.length - 1];
  if (last && at <= last[0]) return h;
  const samples = [...h.samples, [at, n] as [number, number]];
  return { samples: samples.length > max ? samples.slice(samples.length - max) : samples };
}

/** Index of the first sample at or after t. */
function firstAtOrAfter(s: ReadonlyArray<[number, number]>, t: number): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]![0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The forecast of `simulate`'s anticipation (docs/simulate.md, "Anticipation") on real tick times:
 * for each day d = 1..days, the demand seen at now + lead − d days (the largest n among the samples
 * within `toleranceMs` of that time; a day without such a sample is left out), combined over the
 * days by `stat` (`p25`, the tuned default, is the 4th smallest of 14 days). Only samples at or
 * before `now` are read. Null when no day has a sample (too short a history: no forecast).
 */
export function forecastDemand(h: DemandHistory, now: number, leadMs: number, days: number, stat: ForecastStat = 'max', toleranceMs = 60_000): number | null {
  const s = h.samples;
  const values: number[] = [];
  for (let d = 1; d <= days; d++) {
    const target = now + leadMs - d * DAY;
    let day: number | null = null;
    for (let i = firstAtOrAfter(s, target - toleranceMs); i < s.length && s[i]![0] <= target + toleranceMs && s[i]![0] <= now; i++) day = Math.max(day ?? 0, s[i]![1]);
    if (day !== null) values.push(day);
  }
  return values.length > 0 ? statOf(values, stat) : null;
}

/** What the anticipatory policy would want: the pool's own rule for the larger of n and the forecast, clamped. */
export function anticipatedHosts(n: number, forecast: number | null, policy: PoolPolicy): number {
  return desiredSize(Math.max(n, forecast ?? 0), policy).hosts;
}
