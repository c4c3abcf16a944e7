import type { ChallengeRunResult } from '../core/run-challenges.js';
import { boundedReport, countOutcomes, formatHuman, formatSummary, type RunReport } from '../core/report.js';
import { OutcomeTally } from '../core/outcome-tally.js';
import { exitCodeFor, runErrors } from '../core/exit.js';
import { DEFAULTS, loadCommonConfig, loadEvalAIConfig, type CommonConfig, type CommonFlags } from '../runtime/config.js';
import { systemClock, type RunContext } from '../runtime/context.js';
import { withAbandonment } from '../runtime/watchdog.js';
import { createSharedPacer, rateBucketFile } from '../runtime/shared-rate-limit.js';
import { legacyRunTargetKey, runTargetKey, type RunScope } from '../runtime/run-target.js';
import { Secrets } from '../runtime/secrets.js';
import { stateDirPath } from '../runtime/state-dir.js';
import { openHistory } from '../state/history-book.js';
import { Transport } from '../evalai/transport.js';
import { ExitCode } from '../runtime/exit-codes.js';
import { nextFailing } from '../runtime/failing.js';
import type { Outcome } from '../core/outcome.js';
import type { CliIO } from '../runtime/io.js';
import { runInShell } from '../runtime/run-shell.js';

export interface CommandSpec<F extends CommonFlags> {
  name: string;
  flags: F;
  io: CliIO;
  /**
   * `optional`: the command can work without AUTH_TOKEN (scale-eks with LAMBDA_AUTH_TOKEN); the
   * transport then has an empty default token and each call names its own. Default `required`.
   */
  evalaiToken?: 'required' | 'optional';
  /** What else tells this run's target apart from another's (a config file), for the lock. */
  scope?: RunScope;
  /** The command keeps a history across runs (src/state/); `needed`: a policy option uses it, so a missing file is reported. */
  history?: { needed: boolean };
  /** The command itself: observe, decide, act over the challenges, with the context built here. */
  run: (ctx: RunContext, flags: F, common: CommonConfig) => Promise<ChallengeRunResult>;
}

/**
 * An EvalAI command's run: its configuration layers and secrets, then, inside the shared run shell
 * (lock, status file, deadline, signals, action guard: run-shell.ts), the EvalAI transport, the
 * command's own observe-decide-act over the challenges, the report and its exit code. Throws
 * ConfigError (exit 2) before anything is sent when the configuration or the state directory is
 * unusable, and RunError (exit 4) when another run holds the lock.
 */
export async function runCommand<F extends CommonFlags>(spec: CommandSpec<F>): Promise<number> {
  const { io, flags } = spec;
  const warnings: string[] = [];
  // An unknown ENV is refused here (exit 2), not run as dev: runtime/env-mode.ts.
  const common = loadCommonConfig(flags, io.env, warnings, { unknownEnv: 'refuse' });
  const evalai = loadEvalAIConfig(flags, io.env, warnings, spec.evalaiToken ?? 'required');
  const mode = common.mode;
  const secrets = new Secrets();
  secrets.add(evalai.token);
  // No run lasts past this: in-flight work after the deadline is bounded by the request timeouts,
  // and past that plus a margin what is still in flight is recorded as unknown and the run ends.
  const hardMs = common.deadlineMs + 2 * evalai.timeoutMs * evalai.maxAttempts + DEFAULTS.hardDeadlineGraceMs;
  const shellSpec = {
    name: spec.name,
    io,
    common,
    stateDirFlag: flags.stateDir,
    targetKey: runTargetKey(spec.name, evalai.baseUrl, spec.scope),
    legacyTargetKey: legacyRunTargetKey(spec.name, evalai.baseUrl, spec.scope),
    targetLabel: evalai.baseUrl,
    secrets,
    warnings,
    hardMs,
    quiet: flags.quiet ?? false,
  };
  return runInShell(shellSpec, async ({ logger, deadline, guard, maxActions, startedAt, resumeAfter, scoped, previousLastSuccessAt, previousFailing, logLinesDropped }) => {
    // One --rate-limit budget for every command on this host that uses this API and token (they
    // share the server's 60 a minute): runtime/shared-rate-limit.ts. Its waits and Retry-After's
    // end at a signal, and are not made when they would end past the deadline.
    const pacer = createSharedPacer({
      file: rateBucketFile(stateDirPath(flags.stateDir, io.env), evalai.baseUrl, evalai.token),
      perMinute: common.rateLimitPerMinute,
      logger,
      waitBudgetMs: () => deadline.remainingMs(),
      stopped: deadline.stopped,
    });
    const transport = new Transport({
      ...evalai, // the connection: URL, token, timeout, attempts, response cap
      logger,
      allowWrites: !common.dryRun,
      beforeThrottledCall: () => pacer.take(),
      retryWaitBudgetMs: () => deadline.remainingMs(),
      stopped: deadline.stopped,
      sleep: io.sleep,
      halted: () => guard.haltedBecause,
      writeConcurrency: common.concurrency,
    });
    // Unchanged and skipped challenges are counted, not kept, unless something prints or publishes
    // them one by one (--verbose, --json, the per-challenge metrics).
    const publishes = Boolean(common.metrics.file || common.metrics.pushgateway);
    const tally = common.verbose || common.json || publishes ? undefined : new OutcomeTally();
    const ctx: RunContext = {
      transport,
      logger,
      secrets,
      now: systemClock,
      dryRun: common.dryRun,
      concurrency: common.concurrency,
      readConcurrency: common.readConcurrency,
      maxPages: common.maxPages,
      only: common.only,
      deadline,
      guard,
      ...(resumeAfter !== undefined ? { resumeAfter } : {}),
      ...(spec.history ? { history: openHistory(stateDirPath(flags.stateDir, io.env), shellSpec.targetKey, { command: spec.name, target: evalai.baseUrl }, spec.history.needed, logger) } : {}),
      ...(tally ? { keepOutcome: tally.keep } : {}),
    };

    logger.info({ mode, dryRun: common.dryRun, api: evalai.baseUrl, deadlineMs: common.deadlineMs, maxActions, resumeAfter }, 'run started');
    const result = await withAbandonment(spec.run(ctx, flags, common), deadline);
    if (ctx.history && !common.dryRun) ctx.history.save(ctx.now(), logger);
    const guards = { refusedActions: guard.refused, interruptedBy: deadline.interruptedBy };
    const exitCode = exitCodeFor(result, guards);
    const report: RunReport = boundedReport({
      command: spec.name,
      dryRun: common.dryRun,
      startedAt,
      finishedAt: new Date().toISOString(),
      exitCode,
      errors: runErrors(result, guards, maxActions),
      ...countOutcomes(result.outcomes, tally),
      outcomes: result.outcomes,
    });
    for (const e of report.errors) logger.error(e);
    logger.info({ exitCode, ...report.counts, actions: report.actions }, 'run finished');
    const dropped = logLinesDropped();
    if (dropped) report.logLinesDropped = dropped;
    const lastSuccessAt = exitCode === ExitCode.Ok && !scoped ? report.finishedAt : previousLastSuccessAt;
    // A run limited by --challenge says nothing of the others: what was failing stays as it was.
    const failing = scoped ? previousFailing : nextFailing(previousFailing, exitCode, failedItems(result.outcomes), report.finishedAt);
    if (common.metrics.file || common.metrics.pushgateway || common.metrics.ignoredInDryRun.length) {
      // prom-client loads only for a run that publishes.
      const { publishMetrics } = await import('../metrics/publish.js');
      await publishMetrics(report, { ...common.metrics, target: shellSpec.targetKey, logger, refusedActions: guards.refusedActions, lastSuccessAt, failing: failing ?? null });
    }
    return {
      exitCode,
      counts: statusCounts(report),
      ...(report.errors.length ? { message: report.errors[0]! } : {}),
      stdout: common.json ? JSON.stringify(report, null, 2) + '\n' : flags.quiet ? formatSummary(report) + '\n' : formatHuman(report, common.verbose),
      resumeAfter: result.resumeAfter,
      ...(failing ? { failing } : {}),
      finishedAt: report.finishedAt,
    };
  });
}

/** The challenges that failed in this run (each once, with its first error), for the status file's `failing`. */
function failedItems(outcomes: readonly Outcome[]): Array<{ id: number; error: string }> {
  const items = new Map<number, string>();
  for (const o of outcomes) if (o.status === 'failed' && !items.has(o.challengeId)) items.set(o.challengeId, o.error ?? o.reason);
  return [...items].map(([id, error]) => ({ id, error }));
}

function statusCounts(report: RunReport): Record<string, number> {
  const { submissions, ...counts } = report.counts;
  const actions = Object.fromEntries(Object.entries(report.actions).map(([k, v]) => [`action:${k}`, v]));
  return { ...counts, ...(submissions ? { submissions: submissions.total } : {}), ...actions };
}
