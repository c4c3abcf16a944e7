/**
 * The anticipatory policy's forecast (docs/simulate.md, "Anticipation"): seasonal naive over days.
 *
 * `past` holds the demand n (queued + in flight) the pool saw at each tick from the first, the last
 * element being the current tick k; nothing later exists when it is called, so the forecast can only
 * read the past. The forecast for the ticks k + lead … k + lead + window is the largest n seen at
 * those times of day on each of the previous `days` days: past[k + j − d·ticksPerDay] for
 * j in [lead, lead + window] and d in 1..days, the indices at or below k (all of them while
 * lead + window < ticksPerDay) and at or above 0. Null when the history does not reach back one day
 * to k + lead − ticksPerDay (too short: no forecast, the reactive policy alone).
 */
export function seasonalForecast(past: readonly number[], ticksPerDay: number, leadTicks: number, windowTicks: number, days: number): number | null {
  const k = past.length - 1;
  if (k + leadTicks - ticksPerDay < 0) return null;
  let best = 0;
  for (let d = 1; d <= days; d++) {
    for (let j = leadTicks; j <= leadTicks + windowTicks; j++) {
      const idx = k + j - d * ticksPerDay;
      if (idx < 0 || idx > k) continue;
      best = Math.max(best, past[idx]!);
    }
  }
  return best;
}

/** How the anticipatory policy looks ahead: over `days` previous days, from boot ahead for `windowMs`. */
export interface Anticipation {
  days: number;
  windowMs: number;
  /** How the days combine (default max) and whether the rise is forecast (default: the level); see ruleForecast. */
  stat?: ForecastStat;
  rise?: boolean;
}

/** The ticks a forecast at interval `intervalMs` uses: a day, the lead (boot, rounded up), the window. */
export function forecastTicks(intervalMs: number, bootMs: number, windowMs: number): { ticksPerDay: number; leadTicks: number; windowTicks: number } {
  return { ticksPerDay: Math.round(86_400_000 / intervalMs), leadTicks: Math.max(1, Math.ceil(bootMs / intervalMs)), windowTicks: Math.max(0, Math.round(windowMs / intervalMs)) };
}

export { statOf, type ForecastStat } from '../pool/forecast-stat.js';
import { statOf, type ForecastStat } from '../pool/forecast-stat.js';

/** What the forecast predicts: the level of the demand boot-time ahead, or its rise over the next boot time. */
export interface ForecastRule {
  days: number;
  stat: ForecastStat;
  /** false: the days' demand at k + lead; true: n now + the days' rise from k to k + lead (its positive part). */
  rise: boolean;
}

/**
 * The forecast of the demand at tick k + lead from `past[0..k]` (k = past.length − 1, the current
 * tick; nothing later exists). For each day d = 1..days whose index k + lead − d·ticksPerDay is in
 * [0, k]: level: v_d = past[k + lead − d·T]; rise: v_d = past[k + lead − d·T] − past[k − d·T] (the
 * second index at or above 0 too). Level: stat(v); rise: past[k] + max(0, stat(v)). Null when no day
 * qualifies (less than a day of history): the reactive policy alone.
 */
export function ruleForecast(past: readonly number[], ticksPerDay: number, leadTicks: number, rule: ForecastRule): number | null {
  const k = past.length - 1;
  const v: number[] = [];
  for (let d = 1; d <= rule.days; d++) {
    const ahead = k + leadTicks - d * ticksPerDay;
    const then = k - d * ticksPerDay;
    if (ahead < 0 || ahead > k) continue;
    if (rule.rise) {
      if (then < 0) continue;
      v.push(past[ahead]! - past[then]!);
    } else v.push(past[ahead]!);
  }
  if (v.length === 0) return null;
  const s = statOf(v, rule.stat);
  return rule.rise ? past[k]! + Math.max(0, s) : s;
}
