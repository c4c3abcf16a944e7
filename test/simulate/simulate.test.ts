import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../src/simulate/trace.js';
import { simulate } from '../../src/simulate/simulate.js';
import { runBin } from '../integration/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

interface JsonPolicy {
  policy: string;
  workerHours: number;
  workerHoursVsOracle: number;
  coldStarts: number;
  waitS: { p50: number; p95: number; max: number };
}
const byPolicy = (stdout: string) => Object.fromEntries((JSON.parse(stdout) as { policies: JsonPolicy[] }).policies.map((p) => [p.policy, p]));
const h = (min: number) => min / 60;

/*
 * Two challenges, a tick every 5 min from 00:00 (the first arrival's minute), boot 3 min.
 *   challenge 1: s1 arrives 00:00:30 (120 s), s2 arrives 00:20:00 (60 s)
 *   challenge 2: s3 arrives 00:03:00 (600 s)
 * upstream:
 *   ch1: 00:05 start (ready 00:08), s1 runs 00:08-00:10; 00:10 nothing pending: stop (5 min).
 *        00:20 s2 pending: start (ready 00:23), s2 runs 00:23-00:24; 00:25 stop (5 min).
 *   ch2: 00:05 start, s3 runs 00:08-00:18; 00:10, 00:15 busy; 00:20 stop (15 min).
 *   25 min, 3 cold starts, waits 450 s (s1), 180 s (s2), 300 s (s3).
 * --scale-down-delay 15m:
 *   ch1: 00:05 start; 00:10 idle 0 min kept; 00:15 idle 5 kept; 00:20 s2 arrives and runs at once
 *        (00:20-00:21); 00:25 idle 0 kept; 00:30, 00:35 kept; 00:40 idle 15 of 15: stop (35 min).
 *   ch2: 00:05 start; busy to 00:18; 00:20 idle 0; 00:25, 00:30 kept; 00:35 stop (30 min).
 *   65 min, 2 cold starts, waits 450, 0, 300 s.
 * always-on: started at the first tick after each challenge's first arrival (00:05), stopped at
 *   00:25 (the first tick after the last completion, 00:21): 20 + 20 = 40 min, 2 cold starts,
 *   waits 450, 0, 300 s.
 * oracle: busy time 2 + 1 + 10 = 13 min, no wait.
 * Waits, nearest rank over 3: p50 = 2nd smallest, p95 = 3rd.
 */
const TINY = ['challenge,arrival,duration_s', '1,2026-10-01T00:00:30Z,120', '2,2026-10-01T00:03:00Z,600', '1,2026-10-01T00:20:00Z,60', ''].join('\n');

describe('simulate: figures on a tiny trace, computed by hand', () => {
  it('upstream, --scale-down-delay, always-on and the oracle (the built bin, --json)', async () => {
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', file('tiny.csv', TINY), '--scale-down-delay', '15m', '--json'], {});
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = byPolicy(r.stdout);
    expect(p.upstream).toMatchObject({ coldStarts: 3, waitS: { p50: 300, p95: 450, max: 450 } });
    expect(p.upstream!.workerHours).toBeCloseTo(h(25), 4);
    expect(p.upstream!.workerHoursVsOracle).toBeCloseTo(25 / 13, 3);
    expect(p.configured).toMatchObject({ coldStarts: 2, waitS: { p50: 300, p95: 450, max: 450 } });
    expect(p.configured!.workerHours).toBeCloseTo(h(65), 4);
    expect(p.configured!.workerHoursVsOracle).toBeCloseTo(5, 3);
    expect(p['always-on']).toMatchObject({ coldStarts: 2, waitS: { p50: 300, p95: 450, max: 450 } });
    expect(p['always-on']!.workerHours).toBeCloseTo(h(40), 4);
    expect(p.oracle).toMatchObject({ coldStarts: 0, workerHoursVsOracle: 1, waitS: { p50: 0, p95: 0, max: 0 } });
    expect(p.oracle!.workerHours).toBeCloseTo(h(13), 4);
  });

  it('--min-uptime 12m keeps a worker started 5 and 10 min ago, and stops it once up 20 min (JSONL)', () => {
    // ch1 alone: 00:05 start; 00:10 up 5 min, 00:15 up 10 min: kept; 00:20 s2 pending (busy to
    // 00:21); 00:25 nothing pending, up 20 min: stop. 20 min, 1 cold start; waits 450 s and 0.
    const jsonl = ['{"challenge":1,"arrival":"2026-10-01T00:00:30Z","duration_s":120}', '{"challenge":1,"arrival":"2026-10-01T00:20:00+00:00","duration_s":60}'].join('\n');
    const r = simulate(parseTrace(jsonl, 'tiny.jsonl'), { intervalMs: 300_000, bootMs: 180_000, minUptimeMs: 12 * 60_000 });
    const configured = r.policies.find((p) => p.policy === 'configured')!;
    expect(configured.workerHours).toBeCloseTo(h(20), 6);
    expect(configured.coldStarts).toBe(1);
    expect(configured.wait).toMatchObject({ p50: 0, p95: 450, max: 450 });
    const upstream = r.policies.find((p) => p.policy === 'upstream')!;
    expect(upstream.workerHours).toBeCloseTo(h(10), 6);
    expect(upstream.coldStarts).toBe(2);
  });

  it('without options, the configured policy is upstream\'s, and --interval/--boot change the figures as the model says', () => {
    const trace = parseTrace(TINY, 'tiny.csv');
    const r = simulate(trace, { intervalMs: 300_000, bootMs: 180_000 });
    expect(r.policies[1]!.workerHours).toBe(r.policies[0]!.workerHours);
    // A tick every minute, boot 0: ch1 00:01 start, s1 00:01-00:03, stop 00:03; 00:20 start, s2
    // 00:20-00:21, stop 00:21; ch2 00:03 start, s3 00:03-00:13, stop 00:13. 2 + 1 + 10 = 13 min.
    const fast = simulate(trace, { intervalMs: 60_000, bootMs: 0 });
    expect(fast.policies[0]!.workerHours).toBeCloseTo(h(13), 6);
    expect(fast.policies[0]!.wait).toMatchObject({ p50: 0, p95: 30, max: 30 });
  });

  it('writes the table and an SVG chart with a lane per policy', async () => {
    const svg = join(dir, 'tiny.svg');
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', file('tiny2.csv', TINY), '--chart', svg], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^upstream\s+0\.4\s+1\.92\s+3\s+5\.0 min\s+7\.5 min\s+7\.5 min\s+scale-down-delay=0 min-uptime=0 interval=5m anticipate=off keep-alive=fixed$/m);
    expect(r.stdout).toContain('Each row but the references (upstream, always-on, oracle) differs from the configured one');
    const chart = readFileSync(svg, 'utf8');
    expect(chart).toMatch(/^<svg /);
    for (const p of ['upstream', 'configured', 'always-on', 'oracle']) expect(chart).toContain(`>${p}</text>`);
  });
});

describe('simulate: a bad trace is one line naming file:line and the field, exit 2', () => {
  it.each([
    ['bad.csv', 'challenge,arrival,duration_s\n1,2026-10-01T00:00:30Z,120\n1,2026-10-01T00:01:00Z,abc\n', /bad\.csv:3: duration_s: "abc" is not a number of seconds/],
    ['zone.csv', 'challenge,arrival,duration_s\n1,2026-10-01T00:00:30,120\n', /zone\.csv:2: arrival: "2026-10-01T00:00:30" has no time zone/],
    ['header.csv', 'id,when,seconds\n1,2026-10-01T00:00:30Z,120\n', /header\.csv:1: header: expected "challenge,arrival,duration_s"/],
    ['id.csv', 'challenge,arrival,duration_s\nx1,2026-10-01T00:00:30Z,120\n', /id\.csv:2: challenge: "x1" is not a challenge id/],
    ['fields.csv', 'challenge,arrival,duration_s\n1,2026-10-01T00:00:30Z\n', /fields\.csv:2: line: expected 3 fields, found 2/],
    ['bad.jsonl', '{"challenge":1,"arrival":"2026-10-01T00:00:30Z","duration_s":1}\n{"challenge":1,"arrival":"2026-10-01T00:00:30Z"}\n', /bad\.jsonl:2: duration_s: missing/],
    ['broken.jsonl', '{"challenge":1,"arrival":"2026-10-01T00:00:30Z","duration_s":1}\n{"challenge":1,\n', /broken\.jsonl:2: line: not a JSON object/],
  ])('%s', async (name, text, message) => {
    const path = file(name, text);
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', path], {});
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).toContain(path);
  });

  it('a missing trace file and a bad duration flag are exit 2 too', async () => {
    expect((await runBin('evalai-autoscaler', ['simulate', '--trace', join(dir, 'nope.csv')], {})).code).toBe(2);
    expect((await runBin('evalai-autoscaler', ['simulate', '--trace', file('ok.csv', TINY), '--scale-down-delay', '30'], {})).code).toBe(2);
  });
});

describe('docs/simulate.md stays true', () => {
  it('shows the table and the chart that the shipped month trace gives', async () => {
    const svg = join(dir, 'month.svg');
    const r = await runBin('evalai-autoscaler', ['simulate', '--trace', 'examples/traces/month.csv', '--scale-down-delay', '30m', '--min-uptime', '15m', '--chart', svg], {});
    expect(r.code).toBe(0);
    const doc = readFileSync('docs/simulate.md', 'utf8');
    expect(doc).toContain(r.stdout.trim());
    expect(readFileSync(svg, 'utf8')).toBe(readFileSync('docs/simulate-month.svg', 'utf8'));
  });
});
