import type { ForecastStat } from './forecast-stat.js';
/** How a pool is sized and how long its hosts may stay in each state. All durations in ms. */
export interface PoolPolicy {
  minHosts: number;
  maxHosts: number;
  jobsPerHost: number;
  /** At most this many RunInstances'd hosts per tick. */
  maxLaunchesPerTick: number;
  /** A host launching for longer is terminated. */
  launchTimeoutMs: number;
  /** A host unhealthy for longer is terminated whatever jobs it holds. */
  unhealthyTimeoutMs: number;
  /** A host younger than this is not drained. */
  minUptimeMs: number;
  /** Desired must stay below the count this long before hosts are drained. */
  scaleDownDelayMs: number;
  /**
   * The hard cap on what is billed: live instances (every state but terminated) plus launches not
   * yet listed. Absent: defaultMaxLiveHosts(maxHosts). Never below maxHosts.
   */
  maxLiveHosts?: number;
  /** Spare job slots above n (absent: "2sqrt"). */
  headroom?: Headroom;
  /** Forecast-only mode (absent: off): keep a demand history, log what anticipation would launch; it never acts. */
  forecast?: { days: number; leadMs: number; stat: ForecastStat };
}

/**
 * maxHosts + ceil(maxHosts / 2): room to launch replacements for up to half the pool while
 * unhealthy, draining or terminating hosts finish, but bounded, so a probe outage or a lost answer
 * costs at most 1.5x max (plus one for max 1).
 */
export function defaultMaxLiveHosts(maxHosts: number): number {
  return maxHosts + Math.ceil(maxHosts / 2);
}

/** The live cap of a policy (its own, or the default). */
export function liveCap(policy: Pick<PoolPolicy, 'maxHosts' | 'maxLiveHosts'>): number {
  return policy.maxLiveHosts ?? defaultMaxLiveHosts(policy.maxHosts);
}

/**
 * The spare job slots desired above n queued + in flight: "2sqrt" n + 2√n (the default), "sqrt"
 * n + √n, "none" n, a whole number k: n + k while n > 0 (0 when n = 0, like the others, so a
 * pool with no work still goes down to minHosts).
 */
export type Headroom = '2sqrt' | 'sqrt' | 'none' | number;

export const HEADROOMS = ['2sqrt', 'sqrt', 'none'] as const;

const MINUTE = 60_000;

export const POLICY_DEFAULTS = {
  jobsPerHost: 1,
  maxLaunchesPerTick: 10,
  launchTimeoutMs: 10 * MINUTE,
  unhealthyTimeoutMs: 12 * 60 * MINUTE,
  minUptimeMs: 10 * MINUTE,
  scaleDownDelayMs: 10 * MINUTE,
} as const;

export interface DesiredSize {
  /** n + headroom (n + 2√n by default, seed 003): capacity for n jobs and a safety margin. */
  jobs: number;
  /** ceil(jobs / jobs per host) before the clamp. */
  unclamped: number;
  /** Clamped to [min, max]. */
  hosts: number;
  /** Which bound held, if any. */
  clampedTo: 'min' | 'max' | null;
  /** How `jobs` came from n, for the reason ("n + 2√n" when absent). */
  rule?: string;
}

export function desiredJobs(n: number, headroom: Headroom = '2sqrt'): number {
  if (headroom === '2sqrt') return n + 2 * Math.sqrt(n);
  if (headroom === 'sqrt') return n + Math.sqrt(n);
  if (headroom === 'none' || n <= 0) return n;
  return n + headroom;
}

/** How the rule reads in a reason: "n + 2√n", "n + √n", "n", "n + 3". */
export function headroomRule(headroom: Headroom = '2sqrt'): string {
  if (headroom === '2sqrt') return 'n + 2√n';
  if (headroom === 'sqrt') return 'n + √n';
  if (headroom === 'none') return 'n';
  return `n + ${headroom}`;
}

export function desiredSize(n: number, policy: Pick<PoolPolicy, 'minHosts' | 'maxHosts' | 'jobsPerHost' | 'headroom'>): DesiredSize {
  const jobs = desiredJobs(Math.max(0, n), policy.headroom);
  const rule = headroomRule(policy.headroom);
  // Rounded to 1e-9 first so that 4 + 2*2 = 8 jobs at 4 per host is 2 hosts, not 3 from float noise.
  const unclamped = Math.ceil(Math.round((jobs / policy.jobsPerHost) * 1e9) / 1e9);
  if (unclamped < policy.minHosts) return { jobs, unclamped, hosts: policy.minHosts, clampedTo: 'min', rule };
  if (unclamped > policy.maxHosts) return { jobs, unclamped, hosts: policy.maxHosts, clampedTo: 'max', rule };
  return { jobs, unclamped, hosts: unclamped, clampedTo: null, rule };
}
