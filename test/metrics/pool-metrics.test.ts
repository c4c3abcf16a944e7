import { describe, expect, it } from 'vitest';
import type { PoolRunReport, RunPoolsReport } from '../../src/commands/scale-pool/format.js';
import { poolMetrics, poolRunMetrics } from '../../src/metrics/pool-metrics.js';
import { buildRegistry } from '../../src/metrics/registry.js';
import { run, sayMissing, which } from './tools.js';

const labels = { command: 'scale-pool', target: 'pool.json-1a2b3c4d' };

function aPool(over: Partial<PoolRunReport> = {}): PoolRunReport {
  return {
    pool: 'trainers',
    dryRun: false,
    demand: { known: true, n: 7, queued: 5, inFlight: 2, source: 'sqs training-queue' },
    desiredHosts: 6,
    why: 'n=7',
    moves: [
      { hostId: 'i-1', from: 'ready', to: 'draining', reason: 'excess', at: 0, status: 'done' },
      { hostId: 'i-2', from: 'draining', to: 'terminating', reason: 'idle', at: 0, status: 'done' },
      { hostId: 'i-3', from: 'ready', to: 'draining', reason: 'excess', at: 0, status: 'refused', error: '--max-actions' },
    ],
    launches: { wanted: 3, reason: 'launch 3', status: 'done', launched: ['i-7', 'i-8'], attempts: [] },
    terminated: ['i-2'],
    hosts: { ready: 4, draining: 1, launching: 2 },
    failed: false,
    unavailable: false,
    errors: [],
    ...over,
  };
}

function aRun(pools: PoolRunReport[], over: Partial<RunPoolsReport> = {}): RunPoolsReport {
  return { command: 'scale-pool run', file: 'pool.json', dryRun: false, startedAt: '2026-11-22T12:00:00.000Z', finishedAt: '2026-11-22T12:00:04.000Z', exitCode: 1, errors: ['pool gpu: demand: throttled'], pools, sent: [], ...over };
}

const GPU_UNKNOWN = aPool({ pool: 'gpu', demand: { known: false, reason: 'throttled', source: 'sqs gpu' }, desiredHosts: null, moves: [], launches: { wanted: 0, reason: '', status: 'none', launched: [], attempts: [] }, terminated: [], hosts: { ready: 1 }, failed: true });

async function text(report: RunPoolsReport, lastSuccessAt: string | null = '2026-11-22T11:59:00.000Z'): Promise<string> {
  return buildRegistry(labels, [poolRunMetrics(report, { lastSuccessAt, refusedActions: 1 }), poolMetrics(report.pools)]).metrics();
}

/** "name{labels}" -> value, without the command and target labels. */
function samples(exposition: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const own = (m[2] ?? '').split(/,(?=\w+=")/).filter((l) => l && !l.startsWith('command=') && !l.startsWith('target=')).join(',');
    map.set(own ? `${m[1]}{${own}}` : m[1]!, Number(m[3]));
  }
  return map;
}

describe('the scale-pool metrics of a tick', () => {
  it('a paused pool: pool_paused 1 and since when; a pool not paused: 0 and no since', async () => {
    const paused = aPool({ pool: 'held', paused: { since: '2026-11-22T11:03:00.000Z', by: 'alice', held: 'held: pool paused since 2026-11-22T11:03:00Z by alice' }, launches: { wanted: 3, reason: 'held', status: 'held', launched: [], attempts: [] }, moves: [], terminated: [] });
    const s = samples(await text(aRun([paused, aPool({ pool: 'ok' })])));
    expect(s.get('evalai_autoscaler_pool_paused{pool="held"}')).toBe(1);
    expect(s.get('evalai_autoscaler_pool_paused_since_timestamp_seconds{pool="held"}')).toBe(Date.UTC(2026, 10, 22, 11, 3) / 1000);
    expect(s.get('evalai_autoscaler_pool_last_run_launches{pool="held"}')).toBe(0);
    expect(s.get('evalai_autoscaler_pool_paused{pool="ok"}')).toBe(0);
    expect(s.has('evalai_autoscaler_pool_paused_since_timestamp_seconds{pool="ok"}')).toBe(false);
  });

  it('a launch shortfall: the pool fails and the shortfall gauge says how many were not launched', async () => {
    const short = aPool({ launches: { wanted: 4, reason: 'launch 4', status: 'failed', launched: ['i-7'], attempts: [], error: 'launched 1 of 4 while below max 4' }, failed: true });
    const s = samples(await text(aRun([short, aPool({ pool: 'ok' })])));
    expect(s.get('evalai_autoscaler_pool_last_run_launch_shortfall{pool="trainers"}')).toBe(3);
    expect(s.get('evalai_autoscaler_pool_failed{pool="trainers"}')).toBe(1);
    expect(s.get('evalai_autoscaler_pool_last_run_launch_shortfall{pool="ok"}')).toBe(0);
  });

  it('give per pool the demand, desired hosts, hosts by state and what the tick did, plus the run gauges', async () => {
    const s = samples(await text(aRun([aPool(), GPU_UNKNOWN])));
    const P = 'evalai_autoscaler_';
    expect(s.get(`${P}pool_demand_jobs{pool="trainers"}`)).toBe(7);
    expect(s.get(`${P}pool_demand_known{pool="trainers"}`)).toBe(1);
    expect(s.get(`${P}pool_desired_hosts{pool="trainers"}`)).toBe(6);
    expect(s.get(`${P}pool_hosts{pool="trainers",state="ready"}`)).toBe(4);
    expect(s.get(`${P}pool_hosts{pool="trainers",state="launching"}`)).toBe(2);
    expect(s.get(`${P}pool_hosts{pool="trainers",state="unhealthy"}`)).toBe(0);
    // 2 of 3 wanted launched; the refused drain is not counted; one TerminateInstances sent.
    expect(s.get(`${P}pool_last_run_launches{pool="trainers"}`)).toBe(2);
    expect(s.get(`${P}pool_last_run_drains{pool="trainers"}`)).toBe(1);
    expect(s.get(`${P}pool_last_run_terminations{pool="trainers"}`)).toBe(1);
    expect(s.get(`${P}pool_failed{pool="trainers"}`)).toBe(0);
    // An unknown demand: no demand or desired series, demand_known 0.
    expect(s.has(`${P}pool_demand_jobs{pool="gpu"}`)).toBe(false);
    expect(s.has(`${P}pool_desired_hosts{pool="gpu"}`)).toBe(false);
    expect(s.get(`${P}pool_demand_known{pool="gpu"}`)).toBe(0);
    expect(s.get(`${P}pool_failed{pool="gpu"}`)).toBe(1);
    expect(s.get(`${P}last_run_exit_code`)).toBe(1);
    expect(s.get(`${P}last_run_duration_seconds`)).toBe(4);
    expect(s.get(`${P}last_run_timestamp_seconds`)).toBe(Date.parse('2026-11-22T12:00:04.000Z') / 1000);
    expect(s.get(`${P}last_success_timestamp_seconds`)).toBe(Date.parse('2026-11-22T11:59:00.000Z') / 1000);
    expect(s.get(`${P}last_run_refused_actions`)).toBe(1);
    expect(s.get(`${P}last_run_errors`)).toBe(1);
  });

  it('a dry run counts the planned moves, and has no last success time', async () => {
    const planned = aPool({
      dryRun: true,
      moves: [
        { hostId: 'i-1', from: 'ready', to: 'draining', reason: 'excess', at: 0, status: 'planned' },
        { hostId: 'i-2', from: 'draining', to: 'terminating', reason: 'idle', at: 0, status: 'planned' },
      ],
      launches: { wanted: 3, reason: 'launch 3', status: 'planned', launched: [], attempts: [], refused: 1 },
      terminated: [],
    });
    const s = samples(await text(aRun([planned], { dryRun: true })));
    expect(s.get('evalai_autoscaler_pool_last_run_launches{pool="trainers"}')).toBe(2);
    expect(s.get('evalai_autoscaler_pool_last_run_drains{pool="trainers"}')).toBe(1);
    expect(s.get('evalai_autoscaler_pool_last_run_terminations{pool="trainers"}')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_dry_run')).toBe(1);
    expect(s.has('evalai_autoscaler_last_success_timestamp_seconds')).toBe(false);
  });
});

const promtool = which('promtool');
if (!promtool) sayMissing('promtool');

describe.skipIf(!promtool)('promtool on the scale-pool metrics', () => {
  it('finds no problem (promtool check metrics)', async () => {
    const r = run(promtool!, ['check', 'metrics'], await text(aRun([aPool(), GPU_UNKNOWN, aPool({ pool: 'held', paused: { since: '2026-11-22T11:03:00.000Z', by: 'alice', held: 'held' } })])));
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});
