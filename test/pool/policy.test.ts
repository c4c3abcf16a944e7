import { describe, expect, it } from 'vitest';
import { desiredJobs, desiredSize } from '../../src/pool/policy.js';

describe('desired size: n + 2√n jobs, ceil(jobs / jobs per host), clamped to [min, max]', () => {
  const rows: Array<[number, number, number, number, number, 'min' | 'max' | null]> = [
    // n, jobsPerHost, min, max, hosts, clampedTo
    [0, 1, 0, 10, 0, null],
    [0, 1, 2, 10, 2, 'min'],
    [1, 1, 0, 10, 3, null], // 1 + 2 = 3
    [4, 1, 0, 20, 8, null], // 4 + 4 = 8
    [4, 4, 0, 20, 2, null], // exactly 2, no float round-up to 3
    [9, 5, 0, 20, 3, null], // 9 + 6 = 15 -> 3
    [10, 4, 0, 20, 5, null], // 10 + 6.32 = 16.32 / 4 = 4.08 -> 5
    [100, 1, 0, 50, 50, 'max'],
    [10_000, 20, 1, 500, 500, 'max'],
  ];
  it.each(rows)('n=%i at %i per host in [%i, %i] -> %i hosts', (n, jobsPerHost, minHosts, maxHosts, hosts, clampedTo) => {
    const d = desiredSize(n, { jobsPerHost, minHosts, maxHosts });
    expect(d.hosts).toBe(hosts);
    expect(d.clampedTo).toBe(clampedTo);
  });

  it('n + 2√n', () => {
    expect(desiredJobs(0)).toBe(0);
    expect(desiredJobs(16)).toBe(24);
    expect(desiredJobs(2)).toBeCloseTo(4.828, 3);
  });
});
