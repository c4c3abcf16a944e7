/**
 * The hybrid histogram keep-alive / pre-warm policy of "Serverless in the Wild" (Shahrad et al.,
 * USENIX ATC 2020), for one challenge's worker: pure, off by default (docs/simulate.md, "Keep-alive
 * from the challenge's idle times").
 *
 * An idle time is how long a challenge had nothing pending: from the first tick that saw its pending
 * at 0 (memory.idleSince) to the next tick that saw it above 0. The challenge's own last idle times
 * (at most `maxSamples`, oldest dropped) make its histogram. From it, instead of one fixed scale-down
 * delay after the last submission:
 *   - start at   head · (1 − margin) − boot   (the worker is ready when the histogram's head says the
 *     next submission may come; when that is 0 or less the worker is never stopped early);
 *   - stop at    min(tail · (1 + margin), range)   after the challenge went idle;
 * where head and tail are nearest-rank percentiles (`headPct`, `tailPct`) of the idle times. A worker
 * up before the start time (the gap is predicted long) is stopped right away; a worker down between
 * the two times is started (pre-warmed). The histogram is used only when it is long enough
 * (`minSamples`), mostly in range (at most `maxOutOfBounds` of the idle times at or above `rangeMs`)
 * and concentrated (the coefficient of variation of its 1-minute bin counts over [0, range) at least
 * `minCv`: a flat histogram says nothing); otherwise the configured fixed hold applies.
 */
export interface HybridKeepAlive {
  /** The head percentile (5): the earliest the next submission is expected; 0: never stopped early. */
  headPct: number;
  /** The tail percentile (99): how long the worker waits for it. */
  tailPct: number;
  /** Both windows are widened by this fraction (0.1). */
  margin: number;
  /** Fewer idle times than this: the fixed hold (10). */
  minSamples: number;
  /** The histogram keeps the last this many idle times (200). */
  maxSamples: number;
  /** The histogram's range (4 h): idle times at or above it are out of bounds; never kept longer. */
  rangeMs: number;
  /** More than this fraction out of bounds: the fixed hold (0.5). */
  maxOutOfBounds: number;
  /** The histogram's bin counts must have at least this coefficient of variation (2; 0: no check). */
  minCv: number;
  /** From a start request to a worker that evaluates: the pre-warm starts this much ahead. */
  bootMs: number;
}

export const HYBRID_DEFAULTS: Omit<HybridKeepAlive, 'bootMs'> = {
  headPct: 5,
  tailPct: 99,
  margin: 0.1,
  minSamples: 10,
  maxSamples: 200,
  rangeMs: 4 * 3_600_000,
  maxOutOfBounds: 0.5,
  minCv: 2,
};

const BIN_MS = 60_000;

/** The idle times after one more: the last `max` kept (a new array). */
export function recordIdle(history: readonly number[], idleMs: number, max: number): number[] {
  const out = [...history, Math.max(0, idleMs)];
  return out.length > max ? out.slice(out.length - max) : out;
}

export type KeepAliveWindows =
  | { use: true; startAtMs: number; stopAtMs: number; reason: string }
  | { use: false; reason: string };

/** Nearest rank: the value at position ceil(p/100 · n) of the n values ascending (p 0: the smallest). */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The start and stop times after the challenge went idle that its idle times give, or why the fixed hold applies. */
export function keepAliveWindows(history: readonly number[], cfg: HybridKeepAlive): KeepAliveWindows {
  const n = history.length;
  if (n < cfg.minSamples) return { use: false, reason: `${n} idle time${n === 1 ? '' : 's'} known, ${cfg.minSamples} needed` };
  const out = history.filter((x) => x >= cfg.rangeMs).length;
  if (out / n > cfg.maxOutOfBounds) return { use: false, reason: `${out} of ${n} idle times out of the histogram's range` };
  if (cfg.minCv > 0) {
    const bins = Math.max(1, Math.ceil(cfg.rangeMs / BIN_MS));
    const counts = new Float64Array(bins);
    for (const x of history) if (x < cfg.rangeMs) counts[Math.floor(x / BIN_MS)]!++;
    const mean = (n - out) / bins;
    let sq = 0;
    for (const c of counts) sq += (c - mean) ** 2;
    const cv = mean > 0 ? Math.sqrt(sq / bins) / mean : 0;
    if (cv < cfg.minCv) return { use: false, reason: `idle times too spread (bin CV ${cv.toFixed(2)} < ${cfg.minCv})` };
  }
  const sorted = [...history].sort((a, b) => a - b);
  const head = cfg.headPct > 0 ? percentile(sorted, cfg.headPct) : 0;
  const tail = percentile(sorted, cfg.tailPct);
  const startAtMs = Math.max(0, head * (1 - cfg.margin) - cfg.bootMs);
  const stopAtMs = Math.min(tail * (1 + cfg.margin), cfg.rangeMs);
  const min = (ms: number): string => `${Math.round(ms / 60_000)} min`;
  return { use: true, startAtMs, stopAtMs, reason: `idle-time histogram (${n}): up from ${min(startAtMs)} to ${min(stopAtMs)} idle` };
}
