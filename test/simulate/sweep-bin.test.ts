import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin } from '../integration/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'simulate-sweep-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Two days of one job every 20 min (10 min each) and a burst of 6 at 12:00 on each day. */
function trace(): string {
  const lines = ['challenge,arrival,duration_s'];
  const t0 = Date.UTC(2026, 9, 1);
  for (let m = 0; m < 2 * 1440; m += 20) lines.push(`1,${new Date(t0 + m * 60_000 + 30_000).toISOString().replace('.000Z', 'Z')},600`);
  for (const d of [0, 1]) for (let i = 0; i < 6; i++) lines.push(`2,${new Date(t0 + d * 86_400_000 + 12 * 3_600_000 + i * 10_000).toISOString().replace('.000Z', 'Z')},300`);
  return lines.join('\n') + '\n';
}
const TRACE = file('sweep.csv', trace());
const POOL = file('pool.json', JSON.stringify({
  pools: [{
    name: 'batch',
    demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' },
    backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'host' }, market: 'on-demand' },
    policy: { minHosts: 0, maxHosts: 8, jobsPerHost: 1, scaleDownDelay: '15m', minUptime: '10m' },
  }],
}));
const GRID = ['--grid', 'headroom=2sqrt,none,1', '--grid', 'scale-down-delay=0,15m', '--grid', 'min-uptime=0,10m', '--grid', 'interval=1m,5m'];

interface Row { settings: string; hours: number; coldStarts: number; waitS: { p50: number; p95: number } }

describe('simulate --sweep (the built bin)', () => {
  it('a pool: prints the front and the cheapest setting no worse than the configured p95, as a pool-file fragment', async () => {
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', TRACE, '--pool-config', POOL, '--interval', '5m', '--sweep', '--threads', '2', ...GRID], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar: stderr is not a terminal
    expect(r.stdout).toMatch(/Pareto front of cost against wait p50, wait p95 and cold starts: \d+ of 24 settings/);
    expect(r.stdout).toMatch(/^recommended: the cheapest setting with wait p95 <= [\d.]+ min \(the configured setting's p95/m);
    const fragment = r.stdout.split('\n').find((l) => l.startsWith('{"policy":'))!;
    expect(JSON.parse(fragment).policy).toHaveProperty('headroom');
  });

  it('--json: the recommendation meets the target and costs no more than the configured setting; threads change nothing', async () => {
    const args = ['simulate', '--trace', TRACE, '--pool-config', POOL, '--interval', '5m', '--sweep', '--json', ...GRID];
    const two = await runBin('evalai-autoscaler', [...args, '--threads', '2'], {});
    const one = await runBin('evalai-autoscaler', [...args, '--threads', '1'], {});
    expect(two.code).toBe(0);
    const j = JSON.parse(two.stdout) as { configured: Row; recommended: Row & { paste: { policy: Record<string, unknown> } }; rows: Row[]; front: number[] };
    expect(j.rows).toHaveLength(24);
    expect(j.recommended.waitS.p95).toBeLessThanOrEqual(j.configured.waitS.p95);
    expect(j.recommended.hours).toBeLessThanOrEqual(j.configured.hours);
    for (const row of j.rows) if (row.waitS.p95 <= j.configured.waitS.p95) expect(row.hours).toBeGreaterThanOrEqual(j.recommended.hours);
    const rowsOf = (s: string) => (JSON.parse(s) as { rows: Row[] }).rows;
    expect(rowsOf(one.stdout)).toEqual(j.rows);
  });

  it('scale-workers: the flags and the crontab line to paste; a target nothing meets says so', async () => {
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', TRACE, '--sweep', '--grid', 'scale-down-delay=0,30m', '--grid', 'min-uptime=0', '--grid', 'interval=1m,5m', '--chart', join(dir, 'sweep.svg')], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^scale-workers flags: --scale-down-delay \S+ --min-uptime \S+$/m);
    expect(r.stdout).toMatch(/^crontab: /m);
    expect(readFileSync(join(dir, 'sweep.svg'), 'utf8')).toMatch(/^<svg [\s\S]*recommended: /);
    const none = await runBin('evalai-autoscaler', ['simulate', '--trace', TRACE, '--sweep', '--grid', 'scale-down-delay=0', '--grid', 'min-uptime=0', '--grid', 'interval=5m', '--target-wait-p95', '0'], {});
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/no setting of the grid meets the target \(wait p95 <= 0\.0 min\)/);
  });

  it('usage errors are exit 2: --grid without --sweep, --also with --sweep, a bad knob', async () => {
    expect((await runBin('evalai-autoscaler', ['simulate', '--trace', TRACE, '--grid', 'interval=1m'], {})).code).toBe(2);
    expect((await runBin('evalai-autoscaler', ['simulate', '--trace', TRACE, '--sweep', '--also', 'interval=1m'], {})).code).toBe(2);
    const bad = await runBin('evalai-autoscaler', ['simulate', '--trace', TRACE, '--sweep', '--grid', 'headroom=none'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a chart that cannot be written is exit 2 and one line naming it, for a comparison and for a sweep', async () => {
    const chart = join(dir, 'no-such-dir', 'out.svg');
    for (const mode of [[], ['--sweep', '--threads', '1', '--grid', 'interval=1m,5m', '--grid', 'scale-down-delay=0', '--grid', 'min-uptime=0', '--grid', 'headroom=none']]) {
      const r = await runBin('evalai-autoscaler', ['simulate', '--trace', TRACE, '--pool-config', POOL, '--chart', chart, ...mode], {});
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`simulate: configuration error: cannot write the chart ${chart} (ENOENT)\n`);
      expect(r.stdout).toBe('');
    }
  });
});
