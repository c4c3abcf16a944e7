/**
 * How a forecast combines the values of the past days: shared by `simulate`'s anticipation
 * (src/simulate/forecast.ts) and the forecast-only mode of `scale-pool run` (demand-history.ts).
 */
/** How the days' values are combined: the largest, the mean, or a nearest-rank percentile (`p50`, `p75`). */
export type ForecastStat = 'max' | 'mean' | `p${number}`;

/** The statistic of a non-empty list (nearest rank for a percentile: position ceil(p/100 · n) ascending). */
export function statOf(values: readonly number[], stat: ForecastStat): number {
  if (stat === 'max') return Math.max(...values);
  if (stat === 'mean') return values.reduce((s, v) => s + v, 0) / values.length;
  const p = Number(stat.slice(1));
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `max`, `mean` or `pNN` (0 < NN <= 100): a statistic a forecast accepts. */
export function isForecastStat(v: string): v is ForecastStat {
  if (v === 'max' || v === 'mean') return true;
  const m = /^p(\d{1,3})$/.exec(v);
  return m !== null && Number(m[1]) > 0 && Number(m[1]) <= 100;
}
