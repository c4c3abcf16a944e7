import type { PoolConfig } from '../pool/config.js';
import type { DesiredSize, PoolPolicy } from '../pool/policy.js';
import { runPoolPolicy, slotsPerHost } from './pool-model.js';
import { nearestRank, type PolicyResult, type SimResult } from './simulate.js';
import type { TraceSubmission } from './trace.js';

export interface PoolSimOptions {
  intervalMs: number;
  bootMs: number;
  seriesBucketMs?: number;
}

const HOUR = 3_600_000;

/** The plain rule: capacity for exactly n jobs, no headroom (one host per job at one job per host). */
export function plainSize(n: number, policy: Pick<PoolPolicy, 'minHosts' | 'maxHosts' | 'jobsPerHost'>): DesiredSize {
  const jobs = Math.max(0, n);
  const unclamped = Math.ceil(Math.round((jobs / policy.jobsPerHost) * 1e9) / 1e9);
  if (unclamped < policy.minHosts) return { jobs, unclamped, hosts: policy.minHosts, clampedTo: 'min', rule: 'n' };
  if (unclamped > policy.maxHosts) return { jobs, unclamped, hosts: policy.maxHosts, clampedTo: 'max', rule: 'n' };
  return { jobs, unclamped, hosts: unclamped, clampedTo: null, rule: 'n' };
}

/**
 * Replays a trace (sorted by arrival) through a pool: every submission is a job needing one slot,
 * all challenges one queue. Compares the pool's policy as configured (n + 2√n), a plain policy
 * (n, no scale-down delay, no min uptime) and the oracle; see docs/simulate.md, "Pools".
 */
export function simulatePool(trace: readonly TraceSubmission[], pool: PoolConfig, options: PoolSimOptions): SimResult {
  const t0 = Math.floor(trace[0]!.arrivalMs / 60_000) * 60_000;
  const clock = { t0, intervalMs: options.intervalMs, bootMs: options.bootMs };
  const policy = pool.policy;
  const slots = slotsPerHost(policy);
  const plain: PoolPolicy = { ...policy, scaleDownDelayMs: 0, minUptimeMs: 0 };
  const runs = [
    { policy: 'pool' as const, label: `${pool.name} as configured: n + 2√n, scale-down delay ${policy.scaleDownDelayMs / 60_000}m, min uptime ${policy.minUptimeMs / 60_000}m`, run: runPoolPolicy(trace, policy, clock) },
    { policy: 'plain' as const, label: 'capacity for n jobs, no headroom: ceil(n / jobs per host) hosts; no scale-down delay, no min uptime', run: runPoolPolicy(trace, plain, clock, plainSize) },
  ];
  const end = Math.max(...runs.map((r) => r.run.settledAt));
  const busyMs = trace.reduce((s, x) => s + x.durationMs, 0);
  const oracleMs = busyMs / slots;
  const bucketMs = options.seriesBucketMs;
  const buckets = bucketMs ? Math.max(1, Math.ceil((end - t0) / bucketMs)) : 0;

  const results: PolicyResult[] = runs.map(({ policy: name, label, run }) => {
    const sessions = run.sessions.map((x) => (Number.isNaN(x) ? end : x));
    let hostMs = 0;
    for (let i = 0; i < sessions.length; i += 2) hostMs += sessions[i + 1]! - sessions[i]!;
    const waits = Float64Array.from(trace, (s, j) => (run.starts[j]! - s.arrivalMs) / 1000).sort();
    const result = resultOf(name, label, hostMs, run.launches, waits, oracleMs);
    if (bucketMs) {
      const queue = new Float64Array(buckets);
      const capacity = new Float64Array(buckets);
      trace.forEach((s, j) => addInterval(queue, t0, bucketMs, s.arrivalMs, run.starts[j]! + s.durationMs));
      for (let i = 0; i < sessions.length; i += 2) addInterval(capacity, t0, bucketMs, sessions[i]!, sessions[i + 1]!, slots);
      result.series = { queue, capacity };
    }
    return result;
  });
  const oracle = resultOf('oracle', `every slot busy whenever a host is up, no wait (lower bound): busy time / ${slots} job(s) per host`, oracleMs, 0, new Float64Array(trace.length), oracleMs);
  if (bucketMs) {
    const queue = new Float64Array(buckets);
    for (const s of trace) addInterval(queue, t0, bucketMs, s.arrivalMs, s.arrivalMs + s.durationMs);
    oracle.series = { queue, capacity: queue };
  }
  results.push(oracle);
  return {
    submissions: trace.length,
    challenges: new Set(trace.map((s) => s.challenge)).size,
    firstArrival: trace[0]!.arrivalMs,
    end,
    clock,
    options: { intervalMs: options.intervalMs, bootMs: options.bootMs },
    ...(bucketMs ? { bucketMs } : {}),
    policies: results,
    pool: { name: pool.name, policy, slots },
  };
}

function resultOf(policy: PolicyResult['policy'], label: string, hostMs: number, coldStarts: number, sortedWaits: Float64Array, oracleMs: number): PolicyResult {
  let sum = 0;
  for (const w of sortedWaits) sum += w;
  return {
    policy,
    label,
    workerHours: hostMs / HOUR,
    coldStarts,
    wait: { p50: nearestRank(sortedWaits, 50), p95: nearestRank(sortedWaits, 95), max: sortedWaits.length ? sortedWaits[sortedWaits.length - 1]! : 0, mean: sortedWaits.length ? sum / sortedWaits.length : 0 },
    workerHoursVsOracle: oracleMs > 0 ? hostMs / oracleMs : hostMs > 0 ? Infinity : 1,
  };
}

/** Adds the time-average of `weight` over an interval to the buckets it overlaps. */
function addInterval(into: Float64Array, t0: number, bucketMs: number, from: number, to: number, weight = 1): void {
  if (to <= from) return;
  for (let b = Math.max(0, Math.floor((from - t0) / bucketMs)); b < into.length; b++) {
    const lo = t0 + b * bucketMs;
    if (lo >= to) break;
    into[b]! += (weight * (Math.min(lo + bucketMs, to) - Math.max(lo, from))) / bucketMs;
  }
}
