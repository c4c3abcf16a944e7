import type { PoolRunReport, RunPoolsReport } from '../commands/scale-pool/format.js';
import { HOST_STATES, UNTRACKED } from '../pool/states.js';
import { gauge, type MetricsPart } from './registry.js';

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
  return (r) => {
    const finished = seconds(report.finishedAt);
    gauge(r, 'last_run_timestamp_seconds', 'When the last run finished (Unix time).').set(finished);
    gauge(r, 'last_run_duration_seconds', 'How long the last run took.').set(Math.max(0, finished - seconds(report.startedAt)));
    gauge(r, 'last_run_exit_code', 'Exit code of the last run (0 ok, 1 partial, 3 cloud unavailable, 5 deadline, 6 max-actions, 130/143 signal).').set(report.exitCode);
    gauge(r, 'last_run_dry_run', '1 when the last run was a dry run (its actions were only planned).').set(report.dryRun ? 1 : 0);
    if (!report.dryRun && facts.lastSuccessAt) {
      gauge(r, 'last_success_timestamp_seconds', 'When the last run that exited 0 finished (Unix time).').set(seconds(facts.lastSuccessAt));
    }
    gauge(r, 'last_run_refused_actions', 'Actions refused by --max-actions in the last run.').set(facts.refusedActions);
    gauge(r, 'last_run_errors', 'Run-level and pool errors of the last run.').set(report.errors.length);
    gauge(r, 'last_run_log_lines_dropped', 'Log lines the last run could not write (a full disk, a closed pipe).').set(report.logLinesDropped?.lines ?? 0);
  };
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
    const failed = gauge(r, 'pool_failed', '1 when the last tick of the pool failed (not listed, demand unknown, an action failed).', ['pool']);
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
      failed.set({ pool }, p.failed ? 1 : 0);
    }
  };
}

function launchCount(p: PoolRunReport): number {
  if (!p.dryRun) return p.launches.launched.length;
  return p.launches.status === 'planned' ? p.launches.wanted - (p.launches.refused ?? 0) : 0;
}

function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}
