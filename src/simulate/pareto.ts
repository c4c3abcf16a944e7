/** One setting's cost and waits, as the sweep compares them. Lower is better in every field. */
export interface Point {
  hours: number;
  coldStarts: number;
  /** Seconds. */
  p50: number;
  p95: number;
}

/** a is at least as good as b everywhere and better somewhere. */
export function dominates(a: Point, b: Point): boolean {
  const le = a.hours <= b.hours && a.p50 <= b.p50 && a.p95 <= b.p95 && a.coldStarts <= b.coldStarts;
  const lt = a.hours < b.hours || a.p50 < b.p50 || a.p95 < b.p95 || a.coldStarts < b.coldStarts;
  return le && lt;
}

/**
 * The Pareto front of cost (hours) against wait p50, wait p95 and cold starts: the indices of the
 * points no other point dominates, by hours then p95 ascending. Of points with the same four figures
 * only the first (in input order: the grid's simplest) is kept.
 */
export function paretoFront(points: readonly Point[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.hours - points[b]!.hours || points[a]!.p95 - points[b]!.p95 || points[a]!.p50 - points[b]!.p50 || points[a]!.coldStarts - points[b]!.coldStarts || a - b);
  const front: number[] = [];
  for (const i of order) {
    const p = points[i]!;
    const same = (j: number) => points[j]!.hours === p.hours && points[j]!.p50 === p.p50 && points[j]!.p95 === p.p95 && points[j]!.coldStarts === p.coldStarts;
    // Sorted by hours: only an earlier point can dominate this one (or equal it).
    if (front.some((j) => dominates(points[j]!, p) || same(j))) continue;
    if (order.some((j) => j !== i && dominates(points[j]!, p))) continue;
    front.push(i);
  }
  return front;
}

export interface Target {
  /** Seconds; a setting meets it when its wait p95 is at most this. */
  p95: number;
  /** Seconds, optional. */
  p50?: number;
}

/** The cheapest point meeting the target (ties: lower p95, p50, cold starts, then input order); undefined when none does. */
export function cheapestMeeting(points: readonly Point[], target: Target): number | undefined {
  let best: number | undefined;
  points.forEach((p, i) => {
    if (p.p95 > target.p95 || (target.p50 !== undefined && p.p50 > target.p50)) return;
    if (best === undefined) return void (best = i);
    const b = points[best]!;
    if (p.hours < b.hours || (p.hours === b.hours && (p.p95 < b.p95 || (p.p95 === b.p95 && (p.p50 < b.p50 || (p.p50 === b.p50 && p.coldStarts < b.coldStarts)))))) best = i;
  });
  return best;
}
