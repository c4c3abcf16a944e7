import type { PoolPolicy } from '../pool/policy.js';
import type { HoldPolicy } from '../state/hold.js';
import { runAlwaysOn, TickTimes, type SimClock } from './model.js';
import { byChallenge, runWorkerSetting } from './run-setting.js';
import { describeSetting, oneKnobVariants, type Knob, type Setting, type Variant } from './settings.js';
import type { TraceSubmission } from './trace.js';
import { nearestRank } from './waits.js';

export { nearestRank } from './waits.js';

/** A row's name: a reference (upstream, always-on, oracle), the configured setting, or `knob=value[,…]`. */
export type PolicyName = string;

export interface SimOptions extends HoldPolicy {
  intervalMs: number;
  bootMs: number;
  /** Collect queue depth and capacity over time in buckets of this length (for the chart). */
  seriesBucketMs?: number;
  /** Combinations the user asked for (--also): compared as they are, beside the one-knob rows. */
  also?: Variant[];
}

/** configured: the setting given; one-knob: it with one knob turned; combination: --also; reference: a fixed yardstick. */
export type RowKind = 'configured' | 'one-knob' | 'combination' | 'reference';

export interface PolicyResult {
  policy: PolicyName;
  label: string;
  /** Every knob of the row as `knob=value` (absent for the oracle and always-on: no knob applies). */
  settings?: string;
  kind?: RowKind;
  /** The knobs that differ from the configured setting. */
  changed?: Knob[];
  workerHours: number;
  coldStarts: number;
  /** Waits (evaluation start − arrival) in seconds: nearest-rank percentiles. */
  wait: { p50: number; p95: number; max: number; mean: number };
  /** worker-hours / the oracle's worker-hours. */
  workerHoursVsOracle: number;
  /** Time-averaged queue depth (queued + running) and workers up per bucket, summed over challenges. */
  series?: { queue: Float64Array; capacity: Float64Array };
}

export interface SimResult {
  submissions: number;
  challenges: number;
  firstArrival: number;
  /** The last tick any policy needed (the end of the chart). */
  end: number;
  clock: SimClock;
  options: SimOptions;
  bucketMs?: number;
  policies: PolicyResult[];
  /** A pool simulation (simulate-pool.ts): capacity is hosts, the series' capacity job slots. */
  pool?: { name: string; policy: PoolPolicy; slots: number };
}

const HOUR = 3_600_000;

/** The configured scale-workers setting of the options. */
export function workerSettingOf(o: SimOptions): Setting {
  return { scaleDownDelayMs: o.scaleDownDelayMs ?? 0, minUptimeMs: o.minUptimeMs ?? 0, intervalMs: o.intervalMs };
}

/**
 * Replays a trace (sorted by arrival) through scale-workers: upstream (a reference), the configured
 * setting, the configured setting with one knob turned at a time (scale-down delay, min uptime,
 * interval), the combinations asked for, always-on and the oracle; see docs/simulate.md.
 */
export function simulate(trace: readonly TraceSubmission[], options: SimOptions): SimResult {
  const t0 = Math.floor(trace[0]!.arrivalMs / 60_000) * 60_000;
  const clock: SimClock = { t0, intervalMs: options.intervalMs, bootMs: options.bootMs };
  const groups = byChallenge(trace);
  const times = new TickTimes(clock);
  const busyMs = trace.reduce((sum, s) => sum + s.durationMs, 0);
  const configured = workerSettingOf(options);
  const upstream: Setting = { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: options.intervalMs };

  const rows: Array<{ policy: PolicyName; label: string; kind: RowKind; setting: Setting; changed: Knob[] }> = [
    { policy: 'upstream', label: 'stop at the first tick with nothing pending', kind: 'reference', setting: upstream, changed: [] },
    { policy: 'configured', label: configuredLabel(options), kind: 'configured', setting: configured, changed: [] },
    ...oneKnobVariants(configured, 'workers').map((v) => ({ policy: v.name, label: `as configured but ${v.name}`, kind: 'one-knob' as const, setting: v.setting, changed: v.changed })),
    ...(options.also ?? []).map((v) => ({ policy: v.name, label: `as configured but ${v.name} (a combination asked for)`, kind: 'combination' as const, setting: v.setting, changed: v.changed })),
  ];
  const raw: Array<{ policy: PolicyName; label: string; kind: RowKind; settings?: string; changed: Knob[]; sessions: number[]; coldStarts: number; starts: Float64Array[] }> = [];
  for (const row of rows) {
    const { run } = runWorkerSetting(groups, row.setting, t0, options.bootMs, row.setting.intervalMs === options.intervalMs ? times : undefined);
    raw.push({ policy: row.policy, label: row.label, kind: row.kind, settings: describeSetting(row.setting, 'workers'), changed: row.changed, ...run });
  }

  const always = groups.map(([, subs]) => runAlwaysOn(subs, clock));
  const lastCompletion = Math.max(...always.map((a) => a.lastCompletion));
  const endTick = t0 + Math.ceil((lastCompletion - t0) / options.intervalMs) * options.intervalMs;
  raw.push({
    policy: 'always-on',
    label: 'started at the first arrival, never stopped',
    kind: 'reference',
    changed: [],
    sessions: always.flatMap((a) => [a.requestedAt, endTick]),
    coldStarts: always.length,
    starts: always.map((a) => a.starts),
  });
  raw.push({ policy: 'oracle', label: 'worker time = busy time, no wait (lower bound)', kind: 'reference', changed: [], sessions: [], coldStarts: 0, starts: groups.map(([, subs]) => Float64Array.from(subs, (s) => s.arrivalMs)) });

  let end = endTick;
  for (const r of raw) for (let i = 1; i < r.sessions.length; i += 2) end = Math.max(end, r.sessions[i]!);
  const bucketMs = options.seriesBucketMs;
  const oracleHours = busyMs / HOUR;

  const policies = raw.map((r): PolicyResult => {
    const workerMs = r.policy === 'oracle' ? busyMs : sumSessions(r.sessions);
    const waits = new Float64Array(trace.length);
    let w = 0;
    groups.forEach(([, subs], g) => {
      const st = r.starts[g]!;
      for (let j = 0; j < subs.length; j++) waits[w++] = (st[j]! - subs[j]!.arrivalMs) / 1000;
    });
    waits.sort();
    const result: PolicyResult = {
      policy: r.policy,
      label: r.label,
      ...(r.settings ? { settings: r.settings } : {}),
      kind: r.kind,
      changed: r.changed,
      workerHours: workerMs / HOUR,
      coldStarts: r.coldStarts,
      wait: { p50: nearestRank(waits, 50), p95: nearestRank(waits, 95), max: waits[waits.length - 1]!, mean: mean(waits) },
      workerHoursVsOracle: oracleHours > 0 ? workerMs / HOUR / oracleHours : workerMs > 0 ? Infinity : 1,
    };
    if (bucketMs) {
      const buckets = Math.max(1, Math.ceil((end - t0) / bucketMs));
      const queue = new Float64Array(buckets);
      const capacity = new Float64Array(buckets);
      groups.forEach(([, subs], g) => {
        const st = r.starts[g]!;
        for (let j = 0; j < subs.length; j++) addInterval(queue, t0, bucketMs, subs[j]!.arrivalMs, st[j]! + subs[j]!.durationMs);
        if (r.policy === 'oracle') for (let j = 0; j < subs.length; j++) addInterval(capacity, t0, bucketMs, subs[j]!.arrivalMs, subs[j]!.arrivalMs + subs[j]!.durationMs);
      });
      for (let i = 0; i < r.sessions.length; i += 2) addInterval(capacity, t0, bucketMs, r.sessions[i]!, r.sessions[i + 1]!);
      result.series = { queue, capacity };
    }
    return result;
  });

  return { submissions: trace.length, challenges: groups.length, firstArrival: trace[0]!.arrivalMs, end, clock, options, ...(bucketMs ? { bucketMs } : {}), policies };
}

function configuredLabel(o: SimOptions): string {
  const parts = [o.scaleDownDelayMs ? `--scale-down-delay ${o.scaleDownDelayMs / 60_000}m` : '', o.minUptimeMs ? `--min-uptime ${o.minUptimeMs / 60_000}m` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : 'no delay, no min uptime (the same as upstream)';
}

function sumSessions(s: number[]): number {
  let total = 0;
  for (let i = 0; i < s.length; i += 2) total += s[i + 1]! - s[i]!;
  return total;
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x;
  return a.length ? s / a.length : 0;
}

/** Adds the time-average of an interval's presence to the buckets it overlaps. */
function addInterval(into: Float64Array, t0: number, bucketMs: number, from: number, to: number): void {
  if (to <= from) return;
  let b = Math.max(0, Math.floor((from - t0) / bucketMs));
  for (; b < into.length; b++) {
    const lo = t0 + b * bucketMs;
    const hi = lo + bucketMs;
    if (lo >= to) break;
    into[b]! += (Math.min(hi, to) - Math.max(lo, from)) / bucketMs;
  }
}
