/** Nearest rank: the value at position ceil(p/100 · n) in ascending order (1-based). */
export function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
}
