import type { ChallengeRunResult } from '../core/run-challenges.js';
import { countOutcomes, formatHuman, type RunReport } from '../core/report.js';
import { exitCodeFor, runErrors } from '../core/exit.js';
import { ActionGuard } from '../runtime/action-guard.js';
import { DEFAULTS, loadCommonConfig, loadEvalAIConfig, type CommonFlags } from '../runtime/config.js';
import { systemClock, type RunContext } from '../runtime/context.js';
import { Deadline } from '../runtime/deadline.js';
import { RunError } from '../runtime/errors.js';
import { ExitCode, signalExitCode } from '../runtime/exit-codes.js';
import { acquireLock, lockFileOf } from '../runtime/lock.js';
import { fdLogSink, streamLogSink, type LogSink } from '../runtime/log-stream.js';
import { withAbandonment } from '../runtime/watchdog.js';
import { createLogger } from '../runtime/logger.js';
import { createPacer } from '../runtime/rate-limit.js';
import { runTargetKey, type RunScope } from '../runtime/run-target.js';
import { Secrets } from '../runtime/secrets.js';
import { resolveStateDir, stateDirError, stateDirPath } from '../runtime/state-dir.js';
import { openHistory } from '../state/history-book.js';
import { readStatus, writeStatus, STATUS_SUFFIX, type RunStatus } from '../runtime/status-file.js';
import { Transport } from '../evalai/transport.js';
import type { CliIO } from './io.js';

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
  run: (ctx: RunContext, flags: F) => Promise<ChallengeRunResult>;
}

/**
 * What every command shares around its own logic, once: configuration layers, the secret registry,
 * the logger, the lock, the status file, the deadline, signals and the action guard, the EvalAI
 * transport, the report and its exit code. Throws ConfigError (exit 2) before anything is sent when
 * the configuration or the state directory is unusable, and RunError (exit 4) when another run
 * holds the lock.
 */
export async function runCommand<F extends CommonFlags>(spec: CommandSpec<F>): Promise<number> {
  const { io, flags } = spec;
  const common = loadCommonConfig(flags, io.env);
  const warnings: string[] = [];
  const evalai = loadEvalAIConfig(flags, io.env, warnings, spec.evalaiToken ?? 'required');
  const secrets = new Secrets();
  secrets.add(evalai.token);
  const sink: LogSink = io.stderr === process.stderr ? fdLogSink(2) : streamLogSink(io.stderr);
  const logger = createLogger({ level: common.logLevel, secrets, command: spec.name, sink });
  for (const w of warnings) logger.warn(w);

  // No run lasts past this: in-flight work after the deadline is bounded by the request timeouts,
  // and past that plus a margin what is still in flight is recorded as unknown and the run ends.
  const hardMs = common.deadlineMs + 2 * evalai.timeoutMs * evalai.maxAttempts + DEFAULTS.hardDeadlineGraceMs;
  // A dry run changes nothing, not even the state directory: it takes no lock and leaves no status.
  const stateDir = common.dryRun ? null : resolveStateDir(flags.stateDir, io.env);
  const target = runTargetKey(spec.name, evalai.baseUrl, spec.scope);
  const lockPath = stateDir ? lockFileOf(stateDir, target) : null;
  const lock = lockPath
    ? await acquireLock(lockPath, { holdForMs: hardMs + DEFAULTS.signalGraceMs + DEFAULTS.lockMarginMs, waitMs: common.waitLockMs })
    : { acquired: true as const, release: () => undefined };
  if (!lock.acquired) {
    const h = lock.holder;
    const who = h ? `pid ${h.pid} on ${h.host}, started ${h.startedAt}, stale after ${h.staleAt}` : 'a run that is still starting';
    throw new RunError(`another ${spec.name} run (${who}) holds the lock ${lockPath}; this run did nothing`, ExitCode.Locked);
  }

  const scoped = common.only !== undefined;
  const statusPath = stateDir ? `${stateDir}/${target}${STATUS_SUFFIX}` : null;
  const previousRead = statusPath ? readStatus(statusPath) : null;
  if (previousRead && !previousRead.ok) {
    logger.warn({ path: previousRead.path, problem: previousRead.problem }, 'the last status file is unusable: its last success time is lost, and this run writes a new one');
  }
  const previous = previousRead?.ok ? previousRead.status : null;
  const startedAt = new Date().toISOString();
  const status = (s: Partial<RunStatus>): void => {
    if (!statusPath) return;
    writeStatus(statusPath, {
      command: spec.name,
      target: evalai.baseUrl,
      startedAt,
      finishedAt: null,
      outcome: 'running',
      exitCode: null,
      counts: {},
      lastSuccessAt: previous?.lastSuccessAt ?? null,
      ...(scoped ? { scoped } : {}),
      ...(previous?.resumeAfter !== undefined ? { resumeAfter: previous.resumeAfter } : {}),
      ...s,
    });
  };
  const statusQuietly = (s: Partial<RunStatus>): void => {
    try {
      status(s);
    } catch (err) {
      logger.warn({ path: statusPath, error: (err as Error).message }, 'could not write the status file');
    }
  };

  const deadline = Deadline.after(common.deadlineMs);
  const maxActions = common.maxActions ?? DEFAULTS.maxActions[spec.name] ?? 50;
  const guard = new ActionGuard(maxActions);
  const signals = io.signals ?? process;
  const timers: NodeJS.Timeout[] = [setTimeout(() => deadline.abandon(`abandoned ${Math.round(hardMs / 1000)} s after it started (deadline plus request timeouts)`), hardMs)];
  let signalsSeen = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signalsSeen === 1) {
      logger.warn({ signal, graceMs: DEFAULTS.signalGraceMs }, `${signal} received: no new work starts; what is in flight gets ${DEFAULTS.signalGraceMs / 1000} s, then the report is written`);
      deadline.interrupt(signal);
      guard.halt(`${signal} received before it was carried out; the next run decides again`);
      timers.push(setTimeout(() => deadline.abandon(`${signal} received and the ${DEFAULTS.signalGraceMs / 1000} s grace ran out`), DEFAULTS.signalGraceMs));
      return;
    }
    // A second signal: stop at once, but leave neither a lock nor a "running" status behind.
    const code = signalExitCode(signal);
    statusQuietly({ finishedAt: new Date().toISOString(), outcome: 'interrupted', exitCode: code, message: `stopped at once by a second ${signal}; what was in flight is not recorded` });
    lock.release();
    logger.error({ signal }, `second ${signal}: stopped at once; what was in flight is not recorded`);
    (io.exit ?? process.exit)(code);
  };
  signals.on('SIGTERM', onSignal);
  signals.on('SIGINT', onSignal);

  try {
    try {
      status({});
    } catch (err) {
      throw stateDirError(statusPath!, err, 'write the status file');
    }
    const pacer = createPacer(common.rateLimitPerMinute);
    const transport = new Transport({
      baseUrl: evalai.baseUrl,
      token: evalai.token,
      timeoutMs: evalai.timeoutMs,
      maxAttempts: evalai.maxAttempts,
      logger,
      allowWrites: !common.dryRun,
      beforeThrottledCall: () => pacer.take(),
      sleep: io.sleep,
      halted: () => guard.haltedBecause,
    });
    const ctx: RunContext = {
      transport,
      logger,
      secrets,
      now: systemClock,
      dryRun: common.dryRun,
      concurrency: common.concurrency,
      maxPages: common.maxPages,
      only: common.only,
      deadline,
      guard,
      ...(spec.history ? { history: openHistory(stateDir ?? stateDirPath(flags.stateDir, io.env), target, { command: spec.name, target: evalai.baseUrl }, spec.history.needed, logger) } : {}),
      ...(!scoped && previous?.resumeAfter !== undefined ? { resumeAfter: previous.resumeAfter } : {}),
    };

    logger.info({ dryRun: common.dryRun, api: evalai.baseUrl, deadlineMs: common.deadlineMs, maxActions, resumeAfter: ctx.resumeAfter }, 'run started');
    const result = await withAbandonment(spec.run(ctx, flags), deadline);
    if (ctx.history && !common.dryRun) ctx.history.save(ctx.now(), logger);
    const guards = { refusedActions: ctx.guard.refused, interruptedBy: deadline.interruptedBy };
    const exitCode = exitCodeFor(result, guards);
    const report: RunReport = {
      command: spec.name,
      dryRun: common.dryRun,
      startedAt,
      finishedAt: new Date().toISOString(),
      exitCode,
      errors: runErrors(result, guards, maxActions),
      ...countOutcomes(result.outcomes),
      outcomes: result.outcomes,
    };
    for (const e of report.errors) logger.error(e);
    logger.info({ exitCode, ...report.counts, actions: report.actions }, 'run finished');
    if (sink.dropped) report.logLinesDropped = { lines: sink.dropped, error: sink.firstError ?? 'error' };
    statusQuietly({
      finishedAt: report.finishedAt,
      outcome: deadline.interruptedBy ? 'interrupted' : exitCode === ExitCode.Ok ? 'ok' : exitCode === ExitCode.Unavailable ? 'failed' : 'partial',
      exitCode,
      counts: statusCounts(report),
      lastSuccessAt: exitCode === ExitCode.Ok && !scoped ? report.finishedAt : (previous?.lastSuccessAt ?? null),
      ...(report.errors.length ? { message: secrets.scrub(report.errors[0]!) } : {}),
      resumeAfter: scoped ? previous?.resumeAfter : result.resumeAfter,
    });

    const text = common.json ? JSON.stringify(report, null, 2) + '\n' : formatHuman(report, common.verbose);
    io.stdout.write(secrets.scrub(text));
    return exitCode;
  } catch (err) {
    statusQuietly({ finishedAt: new Date().toISOString(), outcome: 'failed', exitCode: err instanceof RunError ? err.exitCode : ExitCode.Partial, message: secrets.scrub(String((err as Error)?.message ?? err)) });
    throw err;
  } finally {
    signals.off('SIGTERM', onSignal);
    signals.off('SIGINT', onSignal);
    for (const t of timers) clearTimeout(t);
    lock.release();
  }
}

function statusCounts(report: RunReport): Record<string, number> {
  const { submissions, ...counts } = report.counts;
  const actions = Object.fromEntries(Object.entries(report.actions).map(([k, v]) => [`action:${k}`, v]));
  return { ...counts, ...(submissions ? { submissions: submissions.total } : {}), ...actions, ...(report.logLinesDropped ? { logLinesDropped: report.logLinesDropped.lines } : {}) };
}
