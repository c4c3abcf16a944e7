import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../integration/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'simulate-pool-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

interface JsonPolicy {
  policy: string;
  hostHours: number;
  hostHoursVsOracle: number;
  coldStarts: number;
  waitS: { p50: number; p95: number; max: number };
}
/** The "plain" rule of old, as a combination asked for: capacity for n jobs, no scale-down delay, no min uptime. */
const PLAIN = 'headroom=none,scale-down-delay=0,min-uptime=0';
const byPolicy = (stdout: string) => Object.fromEntries((JSON.parse(stdout) as { policies: JsonPolicy[] }).policies.map((p) => [p.policy, p]));

const pool = (name: string, policy: Record<string, unknown>) => ({
  name,
  demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' },
  backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'host' }, market: 'on-demand' },
  policy,
});
const POOL = file('pool.json', JSON.stringify({ pools: [pool('tiny', { minHosts: 0, maxHosts: 2, jobsPerHost: 1, scaleDownDelay: '10m', minUptime: '0s' })] }));
const TWO = file('two.json', JSON.stringify({ pools: [pool('a', { minHosts: 0, maxHosts: 2 }), pool('b', { minHosts: 0, maxHosts: 3 })] }));

/*
 * One queue (the challenge column is ignored), a tick every 5 min from 00:00, boot 3 min.
 *   j1 arrives 00:00:30 (120 s), j2 00:01:00 (600 s), j3 00:31:00 (60 s).
 * pool (n + 2√n, 1 job a host, min 0, max 2, scale-down delay 10m, min uptime 0):
 *   00:00 n=0: desired 0. 00:05 n=2: 2 + 2√2 = 4.8 -> clamped to max 2: launch h1, h2 (ready 00:08);
 *   j1 runs on h1 00:08-00:10, j2 on h2 00:08-00:18. 00:10, 00:15 n=1: 3 -> 2 hosts: at the size.
 *   00:20 n=0: desired 0 < 2 since 00:20; 00:25 5 min of 10; 00:30 10 of 10: drain h1, h2.
 *   00:35 j3 queued, n=1: desired 2 > 0 counting: both draining hosts recaptured (no launch);
 *   j3 runs on h1 00:35-00:36. 00:40 n=0: below since 00:40; 00:50 drain both; 00:55 both
 *   terminated (idle); 01:00 settled.
 *   host time 2 × (00:55 − 00:05) = 100 min; 2 launches; waits 450, 420, 240 s.
 * plain (n, no delay, no min uptime, same min/max/jobs per host):
 *   00:05 n=2: launch h1, h2. 00:10 n=1: desired 1 < 2: drain h1 (0 jobs; h2 runs j2).
 *   00:15 h1 terminated (10 min). 00:20 n=0: drain h2; 00:25 h2 terminated (20 min).
 *   00:35 j3 queued: launch h3 (ready 00:38); j3 runs 00:38-00:39. 00:40 n=0: h3 ready and
 *   drained; 00:45 terminated (10 min); 00:50 settled.
 *   host time 40 min; 3 launches; waits 450, 420, 420 s.
 * oracle: busy 120 + 600 + 60 s = 13 min at 1 job a host: 13 host-min, no wait, no launch.
 * Nearest rank over 3 waits: p50 = the 2nd smallest, p95 = the 3rd.
 */
const TINY = ['challenge,arrival,duration_s', '1,2026-10-01T00:00:30Z,120', '2,2026-10-01T00:01:00Z,600', '1,2026-10-01T00:31:00Z,60', ''].join('\n');

describe('simulate --pool-config: figures on a tiny trace, computed by hand', () => {
  it('the pool as configured (n + 2√n), the plain combination asked for (n, no delay, no min uptime) and the oracle (the built bin, --json)', async () => {
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', file('tiny.csv', TINY), '--pool-config', POOL, '--json', '--also', PLAIN], {});
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = byPolicy(r.stdout);
    expect(p.configured).toMatchObject({ coldStarts: 2, waitS: { p50: 420, p95: 450, max: 450 } });
    expect(p.configured!.hostHours).toBeCloseTo(100 / 60, 4);
    expect(p.configured!.hostHoursVsOracle).toBeCloseTo(100 / 13, 3);
    expect(p[PLAIN]).toMatchObject({ coldStarts: 3, waitS: { p50: 420, p95: 450, max: 450 } });
    expect(p[PLAIN]!.hostHours).toBeCloseTo(40 / 60, 4);
    expect(p[PLAIN]!.hostHoursVsOracle).toBeCloseTo(40 / 13, 3);
    expect(p.oracle).toMatchObject({ coldStarts: 0, waitS: { p50: 0, p95: 0, max: 0 } });
    expect(p.oracle!.hostHours).toBeCloseTo(13 / 60, 4);
    expect(JSON.parse(r.stdout)).toMatchObject({ pool: 'tiny', t0: '2026-10-01T00:00:00.000Z', end: '2026-10-01T01:00:00.000Z', maxHosts: 2, jobsPerHost: 1, scaleDownDelayS: 600, minUptimeS: 0 });
  });

  it('two jobs a host: the oracle halves, and n + 2√n sizes in hosts of two slots', async () => {
    const two = file('two-slots.json', JSON.stringify({ pools: [pool('pairs', { minHosts: 0, maxHosts: 2, jobsPerHost: 2, scaleDownDelay: '10m', minUptime: '0s' })] }));
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', file('tiny2.csv', TINY), '--pool-config', two, '--json', '--also', PLAIN], {});
    expect(r.code).toBe(0);
    const p = byPolicy(r.stdout);
    // pool: 00:05 n=2: 4.8 jobs / 2 = 2.4 -> 3 hosts -> max 2: h1, h2; j1 and j2 both on h1 (the first
    // free slot, ties to the first host); 00:10 n=1: 3 / 2 -> 2 hosts; then as with one slot: drained
    // at 00:30, both recaptured at 00:35 (j3 on h1 at once), terminated at 00:55: 100 min, waits 450, 420, 240 s.
    expect(p.configured).toMatchObject({ coldStarts: 2, waitS: { p50: 420, p95: 450, max: 450 } });
    expect(p.configured!.hostHours).toBeCloseTo(100 / 60, 4);
    // plain: 00:05 ceil(2 / 2) = 1 host, j1 and j2 on its two slots from 00:08; 00:20 n=0: drained,
    // 00:25 terminated (20 min); 00:35 j3: a new host (ready 00:38), drained 00:40, gone 00:45 (10 min).
    expect(p[PLAIN]).toMatchObject({ coldStarts: 2, waitS: { p50: 420, p95: 450, max: 450 } });
    expect(p[PLAIN]!.hostHours).toBeCloseTo(30 / 60, 4);
    // oracle: 13 busy minutes over 2 slots.
    expect(p.oracle!.hostHours).toBeCloseTo(6.5 / 60, 4);
  });

  it('usage errors are exit 2 with one line: several pools without --pool, --pool without --pool-config, worker hold flags', async () => {
    const trace = file('t.csv', TINY);
    const several = await runBin('evalai-autoscaler', ['simulate', '--trace', trace, '--pool-config', TWO], {});
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/holds 2 pools \(a, b\); pass --pool NAME/);
    expect((await runBin('evalai-autoscaler', ['simulate', '--trace', trace, '--pool-config', TWO, '--pool', 'b', '--json'], {})).code).toBe(0);
    expect((await runBin('evalai-autoscaler', ['simulate', '--trace', trace, '--pool', 'a'], {})).stderr).toMatch(/--pool needs --pool-config/);
    expect((await runBin('evalai-autoscaler', ['simulate', '--trace', trace, '--pool-config', POOL, '--scale-down-delay', '30m'], {})).code).toBe(2);
  });
});

describe('docs/simulate.md stays true (Pools)', () => {
  it('shows the table and the chart that the month trace and the example pool file give', async () => {
    const svg = join(dir, 'pool-month.svg');
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', 'examples/traces/month.csv', '--pool-config', 'examples/pools/simulate-pool.json', '--chart', svg], {});
    expect(r.code).toBe(0);
    // A pool's table has one reference row (the oracle): the note names only the rows shown.
    expect(r.stdout).toContain('Each row but the reference (oracle) differs from the configured one');
    expect(readFileSync('docs/simulate.md', 'utf8')).toContain(r.stdout.trim());
    expect(readFileSync(svg, 'utf8')).toBe(readFileSync('docs/simulate-pool-month.svg', 'utf8'));
  });
});
