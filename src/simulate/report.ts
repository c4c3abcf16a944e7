import type { PolicyResult, SimResult } from './simulate.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z').replace(/:00Z$/, 'Z');
const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

/** The human table: one row per policy, worker-hours and their ratio to the oracle, cold starts, waits. */
export function formatTable(r: SimResult): string {
  const head = ['policy', r.pool ? 'host-h' : 'worker-h', 'x oracle', 'cold starts', 'wait p50', 'wait p95', 'wait max', 'settings'];
  const rows = r.policies.map((p) => [
    p.policy,
    p.workerHours.toFixed(1),
    Number.isFinite(p.workerHoursVsOracle) ? p.workerHoursVsOracle.toFixed(2) : 'inf',
    String(p.coldStarts),
    minutes(p.wait.p50),
    minutes(p.wait.p95),
    minutes(p.wait.max),
    p.settings ?? '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const o = r.options;
  const pool = r.pool;
  const p = pool?.policy;
  const refs = r.policies.filter((row) => row.kind === 'reference').map((row) => row.policy);
  return [
    `trace: ${r.submissions} submissions, ${r.challenges} challenge${r.challenges === 1 ? '' : 's'}${pool ? ' (one queue)' : ''}, first arrival ${iso(r.firstArrival)}; a tick every ${o.intervalMs / 60_000} min from ${iso(r.clock.t0)}, boot ${o.bootMs / 60_000} min`,
    ...(p ? [`pool ${pool.name}: ${p.minHosts} to ${p.maxHosts} hosts, ${pool.slots} job(s) per host, at most ${p.maxLaunchesPerTick} launches per tick; cold starts = launches`] : []),
    '',
    line(head),
    ...rows.map(line),
    '',
    ...r.policies.map((p) => `${p.policy}: ${p.label}`),
    '',
    `Each row but the reference${refs.length === 1 ? '' : 's'} (${refs.join(', ')}) differs from the configured one in the knobs its name says and no other.`,
    '',
  ].join('\n');
}

/** What every JSON report says of the trace and the clock, worker or pool. */
function traceFields(r: SimResult) {
  return {
    submissions: r.submissions,
    challenges: r.challenges,
    firstArrival: new Date(r.firstArrival).toISOString(),
    t0: new Date(r.clock.t0).toISOString(),
    end: new Date(r.end).toISOString(),
    intervalS: r.options.intervalMs / 1000,
    bootS: r.options.bootMs / 1000,
  };
}

/** One policy's figures in the JSON report; its hours are host-hours for a pool, else worker-hours. */
function policyFields(p: PolicyResult, unit: 'host' | 'worker') {
  return {
    policy: p.policy,
    label: p.label,
    [`${unit}Hours`]: round(p.workerHours, 4),
    [`${unit}HoursVsOracle`]: Number.isFinite(p.workerHoursVsOracle) ? round(p.workerHoursVsOracle, 4) : null,
    ...(p.settings ? { settings: p.settings } : {}),
    ...(p.kind ? { kind: p.kind } : {}),
    ...(p.changed ? { changed: p.changed } : {}),
    coldStarts: p.coldStarts,
    waitS: { p50: round(p.wait.p50, 3), p95: round(p.wait.p95, 3), max: round(p.wait.max, 3), mean: round(p.wait.mean, 3) },
  };
}

/** The JSON report: the same figures, waits in seconds, no series. */
export function toJson(r: SimResult): unknown {
  if (r.pool) {
    const p = r.pool.policy;
    return {
      pool: r.pool.name,
      ...traceFields(r),
      minHosts: p.minHosts,
      maxHosts: p.maxHosts,
      jobsPerHost: r.pool.slots,
      maxLaunchesPerTick: p.maxLaunchesPerTick,
      scaleDownDelayS: p.scaleDownDelayMs / 1000,
      minUptimeS: p.minUptimeMs / 1000,
      headroom: p.headroom ?? '2sqrt',
      policies: r.policies.map((x) => policyFields(x, 'host')),
    };
  }
  return {
    ...traceFields(r),
    scaleDownDelayS: (r.options.scaleDownDelayMs ?? 0) / 1000,
    minUptimeS: (r.options.minUptimeMs ?? 0) / 1000,
    policies: r.policies.map((p) => policyFields(p, 'worker')),
  };
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
