import { HYBRID_DEFAULTS } from '../commands/scale-workers/keep-alive.js';
import type { PoolPolicy } from '../pool/policy.js';
import { runTicking, TickTimes, type SimClock } from './model.js';
import { runPoolPolicy, type PoolRun } from './pool-model.js';
import { anticipationOf, type Setting } from './settings.js';
import { nearestRank } from './waits.js';
import type { TraceSubmission } from './trace.js';

/** What one setting did to a trace: enough for a row of a comparison or a point of a sweep. */
export interface Figures {
  /** Capacity time of the sessions that ended (ms). */
  closedMs: number;
  /** Hosts still up when the pool settled: how many, and the sum of their launch times (ms). */
  open: { count: number; launchSum: number };
  /** The tick at which the run ended (a pool settled; workers: the last stop). */
  settledAt: number;
  coldStarts: number;
  /** Waits in seconds, nearest rank. */
  wait: { p50: number; p95: number; max: number; mean: number };
}

/** Capacity time (ms) when the hosts still up are counted until `end` (a common end: minHosts costs every row the same). */
export function capacityMs(f: Figures, end: number): number {
  return f.closedMs + f.open.count * end - f.open.launchSum;
}

/** The pool policy a setting makes of the configured one: its headroom, delays and jobs per host. */
export function policyOf(base: PoolPolicy, s: Setting): PoolPolicy {
  const p: PoolPolicy = { ...base, scaleDownDelayMs: s.scaleDownDelayMs, minUptimeMs: s.minUptimeMs, jobsPerHost: s.jobsPerHost ?? base.jobsPerHost };
  if (s.headroom !== undefined) p.headroom = s.headroom;
  return p;
}

export function waitFigures(sorted: Float64Array): Figures['wait'] {
  let sum = 0;
  for (const w of sorted) sum += w;
  return { p50: nearestRank(sorted, 50), p95: nearestRank(sorted, 95), max: sorted.length ? sorted[sorted.length - 1]! : 0, mean: sorted.length ? sum / sorted.length : 0 };
}

/** A pool under one setting (docs/simulate.md, "Pools"): the run and its figures. */
export function runPoolSetting(trace: readonly TraceSubmission[], base: PoolPolicy, s: Setting, t0: number, bootMs: number): { run: PoolRun; figures: Figures } {
  const run = runPoolPolicy(trace, policyOf(base, s), { t0, intervalMs: s.intervalMs, bootMs }, undefined, anticipationOf(s));
  let closedMs = 0;
  const open = { count: 0, launchSum: 0 };
  for (let i = 0; i < run.sessions.length; i += 2) {
    const end = run.sessions[i + 1]!;
    if (Number.isNaN(end)) {
      open.count++;
      open.launchSum += run.sessions[i]!;
    } else closedMs += end - run.sessions[i]!;
  }
  const waits = Float64Array.from(trace, (x, j) => (run.starts[j]! - x.arrivalMs) / 1000).sort();
  return { run, figures: { closedMs, open, settledAt: run.settledAt, coldStarts: run.launches, wait: waitFigures(waits) } };
}

/** Submissions grouped by challenge, in id order (each challenge has its own worker). */
export function byChallenge(trace: readonly TraceSubmission[]): Array<[number, TraceSubmission[]]> {
  const m = new Map<number, TraceSubmission[]>();
  for (const s of trace) {
    let list = m.get(s.challenge);
    if (!list) m.set(s.challenge, (list = []));
    list.push(s);
  }
  return [...m].sort((a, b) => a[0] - b[0]);
}

export interface WorkerRun {
  sessions: number[];
  coldStarts: number;
  /** Evaluation starts per challenge group, in the groups' order. */
  starts: Float64Array[];
}

/** scale-workers under one setting (docs/simulate.md, "The model"): every challenge, one worker each. */
export function runWorkerSetting(groups: ReadonlyArray<[number, TraceSubmission[]]>, s: Setting, t0: number, bootMs: number, times?: TickTimes): { run: WorkerRun; figures: Figures } {
  const clock: SimClock = { t0, intervalMs: s.intervalMs, bootMs };
  const tt = times ?? new TickTimes(clock);
  const hold = { ...(s.scaleDownDelayMs ? { scaleDownDelayMs: s.scaleDownDelayMs } : {}), ...(s.minUptimeMs ? { minUptimeMs: s.minUptimeMs } : {}) };
  const sessions: number[] = [];
  const starts: Float64Array[] = [];
  let coldStarts = 0;
  let total = 0;
  for (const [id, subs] of groups) {
    const a = anticipationOf(s);
    const keepAlive = s.keepAlive ? { keepAlive: { ...HYBRID_DEFAULTS, ...s.keepAlive, bootMs } } : {};
    const r = runTicking(subs, id, { mode: 'prod', includeEc2: false, ...hold, ...keepAlive }, clock, tt, a ? { days: a.days, stat: a.stat ?? 'max', rise: a.rise ?? false } : undefined);
    for (const x of r.sessions) sessions.push(x);
    starts.push(r.starts);
    coldStarts += r.coldStarts;
    total += subs.length;
  }
  let closedMs = 0;
  let settledAt = t0;
  for (let i = 0; i < sessions.length; i += 2) {
    closedMs += sessions[i + 1]! - sessions[i]!;
    settledAt = Math.max(settledAt, sessions[i + 1]!);
  }
  const waits = new Float64Array(total);
  let w = 0;
  groups.forEach(([, subs], g) => {
    const st = starts[g]!;
    for (let j = 0; j < subs.length; j++) waits[w++] = (st[j]! - subs[j]!.arrivalMs) / 1000;
  });
  waits.sort();
  return { run: { sessions, coldStarts, starts }, figures: { closedMs, open: { count: 0, launchSum: 0 }, settledAt, coldStarts, wait: waitFigures(waits) } };
}
