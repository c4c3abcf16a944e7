import type { RunReport } from '../core/report.js';
import type { OutcomeStatus } from '../core/outcome.js';
import { gauge, type MetricsPart } from './registry.js';
import type { Failing } from '../runtime/failing.js';

const STATUSES: readonly OutcomeStatus[] = ['done', 'planned', 'unchanged', 'skipped', 'failed'];

/** What the run knows besides its report. */
export interface RunFacts {
  /** The last full run that exited 0 (this one, or an earlier one per the status file); null: none known. */
  lastSuccessAt: string | null;
  /** Actions refused by --max-actions in this run. */
  refusedActions: number;
  /** What fails after this run and since when (runtime/failing.ts); null: the run exited 0. Undefined: not tracked. */
  failing?: Failing | null;
}

/**
 * The run's own gauges: when it ran and how it ended. Each describes this one run (a textfile or
 * a Pushgateway group holds the last run only), so none is a counter and none ends in `_total`.
 */
export function runMetrics(report: RunReport, facts: RunFacts): MetricsPart {
  return (r) => {
    lifecycleGauges(r, report, facts, { unavailable: 'EvalAI unavailable', errors: 'Run-level errors of the last run (challenge list unreadable, token rejected, deadline, max-actions, signal).' });

    const actions = gauge(r, 'last_run_actions', 'Actions carried out (or planned, in a dry run) by the last run, by kind.', ['action']);
    for (const [action, n] of Object.entries(report.actions)) actions.set({ action }, n);

    const outcomes = gauge(r, 'last_run_challenge_outcomes', 'Challenges of the last run by outcome (failed: could not observe or act).', ['status']);
    for (const s of STATUSES) outcomes.set({ status: s }, report.counts[s]);
    const submissions = report.counts.submissions;
    if (submissions) {
      const subs = gauge(r, 'last_run_submission_outcomes', 'Submissions the last run decided on one by one (cancel-stale), by outcome.', ['status']);
      for (const s of STATUSES) subs.set({ status: s }, submissions[s]);
    }
    gauge(r, 'last_run_challenges', 'Distinct challenges the last run looked at.').set(report.counts.challenges);

    // Liveness is last_run_timestamp_seconds (did it run?); these say whether it keeps failing while it runs.
    if (facts.failing !== undefined) {
      gauge(r, 'failing_items', 'Challenges that failed in the last run (0 when it exited 0).').set(facts.failing ? facts.failing.items.length + facts.failing.more : 0);
      if (facts.failing) {
        gauge(r, 'failing_since_timestamp_seconds', 'Since when runs have not exited 0: the end of the first run of the current streak (Unix time); absent after a run that exited 0.').set(seconds(facts.failing.since));
      }
    }
  };
}

/** What every command's run report says of the run itself. */
export interface RunSummary {
  startedAt: string;
  finishedAt: string;
  exitCode: number;
  dryRun: boolean;
  errors: readonly string[];
  logLinesDropped?: { lines: number };
}

/**
 * The gauges every command publishes about its run (EvalAI commands and scale-pool alike): when it
 * ran, how it ended, what was refused, errors, dropped log lines. `help` words what differs.
 */
export function lifecycleGauges(r: Parameters<MetricsPart>[0], report: RunSummary, facts: RunFacts, help: { unavailable: string; errors: string }): void {
  const finished = seconds(report.finishedAt);
  gauge(r, 'last_run_timestamp_seconds', 'When the last run finished (Unix time).').set(finished);
  gauge(r, 'last_run_duration_seconds', 'How long the last run took.').set(Math.max(0, finished - seconds(report.startedAt)));
  gauge(r, 'last_run_exit_code', `Exit code of the last run (0 ok, 1 partial, 3 ${help.unavailable}, 5 deadline, 6 max-actions, 130/143 signal).`).set(report.exitCode);
  gauge(r, 'last_run_dry_run', '1 when the last run was a dry run (its actions were only planned).').set(report.dryRun ? 1 : 0);
  // A dry run proves nothing about the real runs: their last success time is left out.
  if (!report.dryRun && facts.lastSuccessAt) {
    gauge(r, 'last_success_timestamp_seconds', 'When the last full run that exited 0 finished (Unix time).').set(seconds(facts.lastSuccessAt));
  }
  gauge(r, 'last_run_refused_actions', 'Actions refused by --max-actions in the last run.').set(facts.refusedActions);
  gauge(r, 'last_run_errors', help.errors).set(report.errors.length);
  gauge(r, 'last_run_log_lines_dropped', 'Log lines the last run could not write (a full disk, a closed pipe).').set(report.logLinesDropped?.lines ?? 0);
}

function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}
