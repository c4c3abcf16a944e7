/**
 * scripts/workers-bound.js (docs/simulate.md, "Why not: two bounds"): its own small model of
 * scale-workers must agree with the replay's on the shipped month, or its bounds say nothing.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { byChallenge, runWorkerSetting } from '../../src/simulate/run-setting.js';
import { readTrace } from '../../src/simulate/trace.js';

const M = 60_000;
const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/workers-bound.js', ...args], { encoding: 'utf8' });
const LINE = /^(\S+)\s+worker-h (\S+)\s+cold starts (\d+)\s+wait p50 (\S+) min\s+p95 (\S+) min\s+waits <= 3 min: (\d+) of (\d+)$/;

describe('workers-bound', () => {
  it('its reactive policy is the replay\'s at 1-minute ticks on the month (the same worker-hours, cold starts and waits)', () => {
    const r = run('reactive', 'peek');
    expect(r.status).toBe(0);
    const [reactive, peek] = r.stdout.trim().split('\n').map((l) => LINE.exec(l)!);
    const trace = readTrace('examples/traces/month.csv');
    const t0 = Math.floor(trace[0]!.arrivalMs / M) * M;
    const { figures } = runWorkerSetting(byChallenge(trace), { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: M }, t0, 3 * M);
    expect(Number(reactive![2])).toBeCloseTo(figures.closedMs / 3_600_000, 1);
    expect(Number(reactive![3])).toBe(figures.coldStarts);
    expect(Number(reactive![4])).toBeCloseTo(figures.wait.p50 / 60, 2);
    expect(Number(reactive![5])).toBeCloseTo(figures.wait.p95 / 60, 2);
    expect(Number(reactive![7])).toBe(trace.length);
    // seeing each next arrival, a start boot-time ahead takes the median to 0
    expect(Number(peek![4])).toBe(0);
  });
  it('a bad policy is exit 2 with one line', () => {
    const r = run('rate:x');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('workers-bound: "rate:x" is not a policy: reactive, peek or rate:R (submissions an hour)\n');
  });
});
