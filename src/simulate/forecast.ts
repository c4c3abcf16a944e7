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
}

/** The ticks a forecast at interval `intervalMs` uses: a day, the lead (boot, rounded up), the window. */
export function forecastTicks(intervalMs: number, bootMs: number, windowMs: number): { ticksPerDay: number; leadTicks: number; windowTicks: number } {
  return { ticksPerDay: Math.round(86_400_000 / intervalMs), leadTicks: Math.max(1, Math.ceil(bootMs / intervalMs)), windowTicks: Math.max(0, Math.round(windowMs / intervalMs)) };
}
