import type { PoolRunReport, RunPoolsReport } from '../pool/run-report.js';
import { HOST_STATES, UNTRACKED } from '../pool/states.js';
import { gauge, type MetricsPart } from './registry.js';
import { lifecycleGauges } from './run-metrics.js';

/** Every host state a pool series is published for (0 when no host is in it, so no series vanishes). */
const STATES: readonly string[] = [...HOST_STATES, UNTRACKED];

/** What a scale-pool run knows besides its report. */
export interface PoolRunFacts {
  /** The last run that exited 0 (this one, or an earlier one per the status file); null: none known. */
  lastSuccessAt: string | null;
  /** Launches, drains and terminations refused by --max-actions in this run. */
  refusedActions: number;
}

/**
 * A scale-pool run's own gauges, named as the other commands' (runMetrics): when it ran and how it
 * ended. Each describes this one run, so none is a counter.
 */
export function poolRunMetrics(report: RunPoolsReport, facts: PoolRunFacts): MetricsPart {
  return (r) => lifecycleGauges(r, report, facts, { unavailable: 'cloud unavailable', errors: 'Run-level and pool errors of the last run.' });
}

/**
 * Per pool, the numbers behind the tick's decision: the demand n (absent when unknown, with
 * `pool_demand_known` 0), the desired hosts (absent when not decided), the hosts by state as
 * observed at the start of the tick, and what the tick did (planned, in a dry run).
 */
export function poolMetrics(pools: readonly PoolRunReport[]): MetricsPart {
  return (r) => {
    const known = gauge(r, 'pool_demand_known', '1 when the pool\'s demand source answered, 0 when its demand is unknown.', ['pool']);
    const demand = gauge(r, 'pool_demand_jobs', 'The pool\'s demand n: jobs to size for (queued + in flight); absent when unknown.', ['pool']);
    const desired = gauge(r, 'pool_desired_hosts', 'Hosts the last tick wanted: clamp(ceil((n + 2√n) / jobs per host), min, max); absent when not decided.', ['pool']);
    const hosts = gauge(r, 'pool_hosts', 'Hosts of the pool by state, as observed at the start of the last tick.', ['pool', 'state']);
    const launches = gauge(r, 'pool_last_run_launches', 'Hosts launched by the last tick (planned, in a dry run).', ['pool']);
    const drains = gauge(r, 'pool_last_run_drains', 'Hosts moved to draining by the last tick (planned, in a dry run).', ['pool']);
    const terminations = gauge(r, 'pool_last_run_terminations', 'Hosts terminated by the last tick (planned, in a dry run).', ['pool']);
    const shortfall = gauge(r, 'pool_last_run_launch_shortfall', 'Hosts the last tick wanted to launch (and the caps left room for) but did not: capacity, avoided offers, an unknown outcome. 0 when it launched what it could.', ['pool']);
    const failed = gauge(r, 'pool_failed', '1 when the last tick of the pool failed (not listed, demand unknown, an action failed).', ['pool']);
    const paused = gauge(r, 'pool_paused', '1 when the pool is paused (scale-pool pause; or its pause cannot be read): nothing is launched, drained or terminated.', ['pool']);
    const pausedSince = gauge(r, 'pool_paused_since_timestamp_seconds', 'When the pool was paused (Unix time); absent when it is not paused or its pause cannot be read.', ['pool']);
    for (const p of pools) {
      const pool = p.pool;
      const isKnown = p.demand !== null && p.demand.known;
      known.set({ pool }, isKnown ? 1 : 0);
      if (p.demand !== null && p.demand.known) demand.set({ pool }, p.demand.n);
      if (p.desiredHosts !== null) desired.set({ pool }, p.desiredHosts);
      for (const state of STATES) hosts.set({ pool, state }, p.hosts[state] ?? 0);
      launches.set({ pool }, launchCount(p));
      drains.set({ pool }, p.moves.filter((m) => m.to === 'draining' && (m.status === 'done' || m.status === 'planned')).length);
      terminations.set({ pool }, p.dryRun ? p.moves.filter((m) => m.to === 'terminating' && m.status === 'planned').length : p.terminated.length);
      shortfall.set({ pool }, launchShortfall(p));
      failed.set({ pool }, p.failed ? 1 : 0);
      paused.set({ pool }, p.paused ? 1 : 0);
      if (p.paused?.since) pausedSince.set({ pool }, Date.parse(p.paused.since) / 1000);
    }
  };
}

function launchCount(p: PoolRunReport): number {
  if (!p.dryRun) return p.launches.launched.length;
  return p.launches.status === 'planned' ? p.launches.wanted - (p.launches.refused ?? 0) : 0;
}

/** A failed launch line (not refused by --max-actions): wanted minus refused minus launched. */
function launchShortfall(p: PoolRunReport): number {
  if (p.launches.status !== 'failed') return 0;
  return Math.max(0, p.launches.wanted - (p.launches.refused ?? 0) - (p.dryRun ? 0 : p.launches.launched.length));
}
