import type { PolicyResult, SimResult } from './simulate.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z').replace(/:00Z$/, 'Z');
const minutes = (s: number) => `${(s / 60).toFixed(1)} min`;

/** The human table: one row per policy, worker-hours and their ratio to the oracle, cold starts, waits. */
export function formatTable(r: SimResult): string {
  const head = ['policy', 'worker-h', 'x oracle', 'cold starts', 'wait p50', 'wait p95', 'wait max'];
  const rows = r.policies.map((p) => [
    p.policy,
    p.workerHours.toFixed(1),
    Number.isFinite(p.workerHoursVsOracle) ? p.workerHoursVsOracle.toFixed(2) : 'inf',
    String(p.coldStarts),
    minutes(p.wait.p50),
    minutes(p.wait.p95),
    minutes(p.wait.max),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const o = r.options;
  return [
    `trace: ${r.submissions} submissions, ${r.challenges} challenge${r.challenges === 1 ? '' : 's'}, first arrival ${iso(r.firstArrival)}; a tick every ${o.intervalMs / 60_000} min from ${iso(r.clock.t0)}, boot ${o.bootMs / 60_000} min`,
    '',
    line(head),
    ...rows.map(line),
    '',
    ...r.policies.map((p) => `${p.policy}: ${p.label}`),
    '',
  ].join('\n');
}

/** The JSON report: the same figures, waits in seconds, no series. */
export function toJson(r: SimResult): unknown {
  return {
    submissions: r.submissions,
    challenges: r.challenges,
    firstArrival: new Date(r.firstArrival).toISOString(),
    t0: new Date(r.clock.t0).toISOString(),
    end: new Date(r.end).toISOString(),
    intervalS: r.options.intervalMs / 1000,
    bootS: r.options.bootMs / 1000,
    scaleDownDelayS: (r.options.scaleDownDelayMs ?? 0) / 1000,
    minUptimeS: (r.options.minUptimeMs ?? 0) / 1000,
    policies: r.policies.map((p: PolicyResult) => ({
      policy: p.policy,
      label: p.label,
      workerHours: round(p.workerHours, 4),
      workerHoursVsOracle: Number.isFinite(p.workerHoursVsOracle) ? round(p.workerHoursVsOracle, 4) : null,
      coldStarts: p.coldStarts,
      waitS: { p50: round(p.wait.p50, 3), p95: round(p.wait.p95, 3), max: round(p.wait.max, 3), mean: round(p.wait.mean, 3) },
    })),
  };
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
