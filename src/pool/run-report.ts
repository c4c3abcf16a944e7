import type { RefusedCall, SentCall } from '../aws/mutation-guard.js';
import type { TickReport } from './tick.js';

/**
 * What `scale-pool run` reports, per pool and for the run: the shapes its --json prints, its human
 * summary formats (commands/scale-pool/format.ts) and its metrics read (metrics/pool-metrics.ts).
 *
 * One pool in the `run` report: the tick's report with the hosts counted by state.
 */
export interface PoolRunReport extends Omit<TickReport, 'hosts' | 'state'> {
  /** Hosts by state, as observed at the start of the tick. */
  hosts: Record<string, number>;
  /** The pool could not even be listed. */
  unavailable: boolean;
}

export interface RunPoolsReport {
  command: string;
  file: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  errors: string[];
  /** What needs a person's look without failing the run (hosts of a pool from before it was split by shape). */
  warnings?: string[];
  pools: PoolRunReport[];
  notStarted?: string[];
  /** Every change sent to AWS in this run (action, instance ids, when), as the clients' guard recorded it. */
  sent: SentCall[];
  /** Changes held back because the run's signal came first: they never left. */
  notSent?: RefusedCall[];
  logLinesDropped?: { lines: number; error: string };
}
