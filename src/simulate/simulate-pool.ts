import type { PoolConfig } from '../pool/config.js';
import type { PoolPolicy } from '../pool/policy.js';
import { slotsPerHost } from './pool-model.js';
import { capacityMs, policyOf, runPoolSetting } from './run-setting.js';
import { describeSetting, oneKnobVariants, type Setting, type Variant } from './settings.js';
import type { PolicyResult, SimResult } from './simulate.js';
import type { TraceSubmission } from './trace.js';
import { nearestRank } from './waits.js';

export interface PoolSimOptions {
  intervalMs: number;
  bootMs: number;
  seriesBucketMs?: number;
  /** Combinations the user asked for (--also), beside the one-knob rows. */
  also?: Variant[];
}

const HOUR = 3_600_000;

/** The pool's configured setting: its headroom, delays and jobs per host from the file, the tick interval given. */
export function poolSettingOf(policy: PoolPolicy, intervalMs: number): Setting {
  return { headroom: policy.headroom ?? '2sqrt', scaleDownDelayMs: policy.scaleDownDelayMs, minUptimeMs: policy.minUptimeMs, intervalMs, jobsPerHost: slotsPerHost(policy) };
}

/**
 * Replays a trace (sorted by arrival) through a pool: every submission is a job needing one slot,
 * all challenges one queue. Compares the pool's setting as configured, the same with one knob turned
 * at a time (headroom, scale-down delay, min uptime, interval), the combinations asked for, and the
 * oracle; see docs/simulate.md, "Pools".
 */
export function simulatePool(trace: readonly TraceSubmission[], pool: PoolConfig, options: PoolSimOptions): SimResult {
  const t0 = Math.floor(trace[0]!.arrivalMs / 60_000) * 60_000;
  const clock = { t0, intervalMs: options.intervalMs, bootMs: options.bootMs };
  const policy = pool.policy;
  const slots = slotsPerHost(policy);
  const configured = poolSettingOf(policy, options.intervalMs);
  const rows = [
    { policy: 'configured', label: `${pool.name} as configured`, kind: 'configured' as const, setting: configured, changed: [] as Variant['changed'] },
    ...oneKnobVariants(configured, 'pool').map((v) => ({ policy: v.name, label: `as configured but ${v.name}`, kind: 'one-knob' as const, setting: v.setting, changed: v.changed })),
    ...(options.also ?? []).map((v) => ({ policy: v.name, label: `as configured but ${v.name} (a combination asked for)`, kind: 'combination' as const, setting: v.setting, changed: v.changed })),
  ].map((row) => ({ ...row, ...runPoolSetting(trace, policy, row.setting, t0, options.bootMs) }));
  const end = Math.max(...rows.map((r) => r.figures.settledAt));
  const busyMs = trace.reduce((s, x) => s + x.durationMs, 0);
  const oracleMs = busyMs / slots;
  const bucketMs = options.seriesBucketMs;
  const buckets = bucketMs ? Math.max(1, Math.ceil((end - t0) / bucketMs)) : 0;

  const results: PolicyResult[] = rows.map((row) => {
    const hostMs = capacityMs(row.figures, end);
    const result: PolicyResult = {
      policy: row.policy,
      label: row.label,
      settings: describeSetting(row.setting, 'pool'),
      kind: row.kind,
      changed: row.changed,
      workerHours: hostMs / HOUR,
      coldStarts: row.figures.coldStarts,
      wait: row.figures.wait,
      workerHoursVsOracle: oracleMs > 0 ? hostMs / oracleMs : hostMs > 0 ? Infinity : 1,
    };
    if (bucketMs) {
      const rowSlots = slotsPerHost(policyOf(policy, row.setting));
      const sessions = row.run.sessions.map((x) => (Number.isNaN(x) ? end : x));
      const queue = new Float64Array(buckets);
      const capacity = new Float64Array(buckets);
      trace.forEach((s, j) => addInterval(queue, t0, bucketMs, s.arrivalMs, row.run.starts[j]! + s.durationMs));
      for (let i = 0; i < sessions.length; i += 2) addInterval(capacity, t0, bucketMs, sessions[i]!, sessions[i + 1]!, rowSlots);
      result.series = { queue, capacity };
    }
    return result;
  });
  const oracle = resultOf('oracle', `every slot busy whenever a host is up, no wait (lower bound): busy time / ${slots} job(s) per host`, oracleMs, 0, new Float64Array(trace.length), oracleMs);
  oracle.kind = 'reference';
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
