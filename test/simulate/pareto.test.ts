import { describe, expect, it } from 'vitest';
import { cheapestMeeting, dominates, paretoFront, type Point } from '../../src/simulate/pareto.js';

const pt = (hours: number, p50: number, p95: number, coldStarts = 0): Point => ({ hours, p50, p95, coldStarts });

describe('the Pareto front of cost against waits and cold starts', () => {
  it('keeps the points nothing beats everywhere, cheapest first', () => {
    const points = [pt(100, 60, 300), pt(50, 120, 400), pt(120, 60, 300), pt(80, 60, 250), pt(200, 0, 100), pt(90, 100, 500)];
    // 120 is beaten by 100 (same waits, cheaper); 100 by 80 (cheaper, p95 lower); 90 by 80.
    expect(paretoFront(points)).toEqual([1, 3, 4]);
  });
  it('cold starts count: a dearer point with fewer cold starts stays', () => {
    expect(paretoFront([pt(10, 60, 60, 100), pt(20, 60, 60, 5)])).toEqual([0, 1]);
  });
  it('of equal points only the first is kept', () => {
    expect(paretoFront([pt(10, 1, 2), pt(10, 1, 2), pt(5, 9, 9)])).toEqual([2, 0]);
  });
  it('dominance needs better somewhere', () => {
    expect(dominates(pt(1, 1, 1), pt(1, 1, 1))).toBe(false);
    expect(dominates(pt(1, 1, 1), pt(1, 1, 2))).toBe(true);
    expect(dominates(pt(1, 1, 3), pt(2, 1, 2))).toBe(false);
  });
});

describe('the cheapest setting meeting a target', () => {
  const points = [pt(100, 0, 200), pt(60, 30, 300), pt(40, 90, 310), pt(60, 20, 300)];
  it('the cheapest with p95 at most the target; ties to the better waits', () => {
    expect(cheapestMeeting(points, { p95: 300 })).toBe(3);
    expect(cheapestMeeting(points, { p95: 310 })).toBe(2);
    expect(cheapestMeeting(points, { p95: 300, p50: 10 })).toBe(0);
  });
  it('none: undefined', () => {
    expect(cheapestMeeting(points, { p95: 100 })).toBeUndefined();
  });
});
