import type { PoolPolicy } from '../pool/policy.js';
import type { HoldPolicy } from '../state/hold.js';
import { runAlwaysOn, runTicking, TickTimes, type SimClock } from './model.js';
import type { TraceSubmission } from './trace.js';

export type PolicyName = 'upstream' | 'configured' | 'always-on' | 'oracle' | 'pool' | 'plain';

export interface SimOptions extends HoldPolicy {
  intervalMs: number;
  bootMs: number;
  /** Collect queue depth and capacity over time in buckets of this length (for the chart). */
  seriesBucketMs?: number;
}

export interface PolicyResult {
  policy: PolicyName;
  label: string;
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

/** Replays a trace (sorted by arrival) through the four policies; see docs/simulate.md for the model. */
export function simulate(trace: readonly TraceSubmission[], options: SimOptions): SimResult {
  const t0 = Math.floor(trace[0]!.arrivalMs / 60_000) * 60_000;
  const clock: SimClock = { t0, intervalMs: options.intervalMs, bootMs: options.bootMs };
  const byChallenge = new Map<number, TraceSubmission[]>();
  for (const s of trace) {
    let list = byChallenge.get(s.challenge);
    if (!list) byChallenge.set(s.challenge, (list = []));
    list.push(s);
  }
  const groups = [...byChallenge].sort((a, b) => a[0] - b[0]);
  const times = new TickTimes(clock);
  const busyMs = trace.reduce((sum, s) => sum + s.durationMs, 0);

  const raw: Array<{ policy: PolicyName; label: string; sessions: number[]; coldStarts: number; starts: Float64Array[] }> = [];
  for (const [policy, label, hold] of [
    ['upstream', 'stop at the first tick with nothing pending', {}],
    ['configured', configuredLabel(options), { scaleDownDelayMs: options.scaleDownDelayMs, minUptimeMs: options.minUptimeMs }],
  ] as Array<[PolicyName, string, HoldPolicy]>) {
    const sessions: number[] = [];
    const starts: Float64Array[] = [];
    let coldStarts = 0;
    for (const [id, subs] of groups) {
      const r = runTicking(subs, id, { mode: 'prod', includeEc2: false, ...hold }, clock, times);
      for (const x of r.sessions) sessions.push(x);
      starts.push(r.starts);
      coldStarts += r.coldStarts;
    }
    raw.push({ policy, label, sessions, coldStarts, starts });
  }

  const always = groups.map(([, subs]) => runAlwaysOn(subs, clock));
  const lastCompletion = Math.max(...always.map((a) => a.lastCompletion));
  const endTick = t0 + Math.ceil((lastCompletion - t0) / options.intervalMs) * options.intervalMs;
  raw.push({
    policy: 'always-on',
    label: 'started at the first arrival, never stopped',
    sessions: always.flatMap((a) => [a.requestedAt, endTick]),
    coldStarts: always.length,
    starts: always.map((a) => a.starts),
  });
  raw.push({ policy: 'oracle', label: 'worker time = busy time, no wait (lower bound)', sessions: [], coldStarts: 0, starts: groups.map(([, subs]) => Float64Array.from(subs, (s) => s.arrivalMs)) });

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

/** Nearest rank: the value at position ceil(p/100 · n) in ascending order (1-based). */
export function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
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
