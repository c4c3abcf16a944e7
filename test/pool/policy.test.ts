import { describe, expect, it } from 'vitest';
import { desiredJobs, desiredSize, type Headroom } from '../../src/pool/policy.js';

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

describe('policy.headroom: the spare job slots above n', () => {
  const at = (n: number, headroom: Headroom, jobsPerHost = 1) => desiredSize(n, { jobsPerHost, minHosts: 0, maxHosts: 100, headroom });
  it('"2sqrt" (the default) is n + 2√n, "sqrt" n + √n, "none" n', () => {
    expect(at(16, '2sqrt').hosts).toBe(24);
    expect(desiredSize(16, { jobsPerHost: 1, minHosts: 0, maxHosts: 100 }).hosts).toBe(24);
    expect(at(16, 'sqrt').hosts).toBe(20);
    expect(at(16, 'none').hosts).toBe(16);
    expect(at(2, 'sqrt').hosts).toBe(4); // 2 + 1.41 = 3.41 -> 4
  });
  it('a whole number k: n + k while there is work, nothing when n = 0 (a batch pool still scales to minHosts)', () => {
    expect(at(5, 2).hosts).toBe(7);
    expect(at(0, 2).hosts).toBe(0);
    expect(at(5, 2, 4).hosts).toBe(2); // 7 jobs / 4 per host
  });
  it('the reason names the rule', () => {
    expect(at(4, 'sqrt').rule).toBe('n + √n');
    expect(at(4, 'none').rule).toBe('n');
    expect(at(4, 3).rule).toBe('n + 3');
    expect(at(4, '2sqrt').rule).toBe('n + 2√n');
  });
  it('desiredJobs takes the rule', () => {
    expect(desiredJobs(9, 'sqrt')).toBe(12);
    expect(desiredJobs(9, 'none')).toBe(9);
    expect(desiredJobs(9, 1)).toBe(10);
  });
});
