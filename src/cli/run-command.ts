import { join } from 'node:path';
import type { ChallengeRunResult } from '../core/run-challenges.js';
import { countOutcomes, formatHuman, formatSummary, type RunReport } from '../core/report.js';
import { exitCodeFor, runErrors } from '../core/exit.js';
import { ActionGuard } from '../runtime/action-guard.js';
import { DEFAULTS, loadCommonConfig, loadEvalAIConfig, type CommonFlags } from '../runtime/config.js';
import { systemClock, type RunContext } from '../runtime/context.js';
import { Deadline } from '../runtime/deadline.js';
import { RunError } from '../runtime/errors.js';
import { ExitCode } from '../runtime/exit-codes.js';
import { acquireLock } from '../runtime/lock.js';
import { withHardDeadline } from '../runtime/watchdog.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { chooseLogOutput, isTTY } from '../runtime/terminal-output.js';
import { createPacer } from '../runtime/rate-limit.js';
import { runTargetKey } from '../runtime/run-target.js';
import { Secrets } from '../runtime/secrets.js';
import { resolveStateDir } from '../runtime/state-dir.js';
import { readStatus, writeStatus, STATUS_SUFFIX, type RunStatus } from '../runtime/status-file.js';
import { Transport } from '../evalai/transport.js';
import { resolveEnvMode, type EnvMode } from '../runtime/env-mode.js';
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
  /** What else tells this run's target apart from another's (a config file path), for the lock. */
  lockTarget?: string;
  /** `--env`, for the commands that take it; else ENV decides the mode named in "run started". */
  envFlag?: EnvMode;
  /** The command itself: observe, decide, act over the challenges, with the context built here. */
  run: (ctx: RunContext, flags: F) => Promise<ChallengeRunResult>;
}

/**
 * What every command shares around its own logic, once: configuration layers, the secret registry,
 * the logger, the lock, the status file, the deadline and the action guard, the EvalAI transport,
 * the report and its exit code. Throws ConfigError (exit 2) before anything is sent when the
 * configuration is unusable, and RunError (exit 4) when another run holds the lock.
 */
export async function runCommand<F extends CommonFlags>(spec: CommandSpec<F>): Promise<number> {
  const { io, flags } = spec;
  const common = loadCommonConfig(flags, io.env);
  const warnings: string[] = [];
  const evalai = loadEvalAIConfig(flags, io.env, warnings, spec.evalaiToken ?? 'required');
  const mode = resolveEnvMode(spec.envFlag, io.env, warnings);
  const secrets = new Secrets();
  secrets.add(evalai.token);
  const logOutput = chooseLogOutput({ level: common.logLevel, levelGiven: Boolean(flags.logLevel ?? io.env.LOG_LEVEL), stderrIsTTY: isTTY(io.stderr), quiet: flags.quiet ?? false });
  const logger = createLogger({ level: logOutput.level, readable: logOutput.readable, secrets, command: spec.name, destination: io.stderr === process.stderr ? undefined : io.stderr });
  for (const w of warnings) logger.warn(w);

  // A dry run changes nothing, not even the state directory: it takes no lock and leaves no status.
  const stateDir = common.dryRun ? null : resolveStateDir(flags.stateDir, io.env);
  const target = runTargetKey(spec.name, evalai.baseUrl, spec.lockTarget);
  const lock = stateDir
    ? await acquireLock(join(stateDir, `${target}.lock`), { staleAfterMs: DEFAULTS.lockStaleAfterMs, waitMs: common.waitLockMs })
    : { acquired: true as const, release: () => undefined };
  if (!lock.acquired) {
    const h = lock.holder;
    const who = h ? `pid ${h.pid} on ${h.host}, started ${h.startedAt}` : 'a run that is still starting';
    throw new RunError(`another ${spec.name} run (${who}) holds the lock ${join(stateDir!, `${target}.lock`)}; this run did nothing`, ExitCode.Locked);
  }
  const statusPath = stateDir ? join(stateDir, `${target}${STATUS_SUFFIX}`) : null;
  const previous = statusPath ? readStatus(statusPath) : null;
  const startedAt = new Date().toISOString();
  const status = (s: Partial<RunStatus>): void => {
    if (!statusPath) return;
    writeStatusQuietly(statusPath, { command: spec.name, target: evalai.baseUrl, startedAt, finishedAt: null, outcome: 'running', exitCode: null, counts: {}, lastSuccessAt: previous?.lastSuccessAt ?? null, ...s }, logger);
  };

  try {
    status({});
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
    });
    const maxActions = common.maxActions ?? DEFAULTS.maxActions[spec.name] ?? 50;
    const ctx: RunContext = {
      transport,
      logger,
      secrets,
      now: systemClock,
      dryRun: common.dryRun,
      concurrency: common.concurrency,
      maxPages: common.maxPages,
      only: common.only,
      deadline: Deadline.after(common.deadlineMs),
      guard: new ActionGuard(maxActions),
    };

    logger.info({ mode, dryRun: common.dryRun, api: evalai.baseUrl, deadlineMs: common.deadlineMs, maxActions }, 'run started');
    // No run hangs forever: in-flight work after the deadline is bounded by the request timeouts,
    // and past that plus a margin the run is abandoned (exit 5) whatever the network does.
    const hardMs = common.deadlineMs + 2 * evalai.timeoutMs * evalai.maxAttempts + DEFAULTS.hardDeadlineGraceMs;
    const result = await withHardDeadline(spec.run(ctx, flags), hardMs);
    const guards = { refusedActions: ctx.guard.refused };
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
    status({
      finishedAt: report.finishedAt,
      outcome: exitCode === ExitCode.Ok ? 'ok' : exitCode === ExitCode.Unavailable ? 'failed' : 'partial',
      exitCode,
      counts: statusCounts(report),
      lastSuccessAt: exitCode === ExitCode.Ok ? report.finishedAt : (previous?.lastSuccessAt ?? null),
      ...(report.errors.length ? { message: secrets.scrub(report.errors[0]!) } : {}),
    });

    const text = common.json ? JSON.stringify(report, null, 2) + '\n' : flags.quiet ? formatSummary(report) + '\n' : formatHuman(report, common.verbose);
    io.stdout.write(secrets.scrub(text));
    return exitCode;
  } catch (err) {
    status({ finishedAt: new Date().toISOString(), outcome: 'failed', exitCode: err instanceof RunError ? err.exitCode : ExitCode.Partial, message: secrets.scrub(String((err as Error)?.message ?? err)) });
    throw err;
  } finally {
    lock.release();
  }
}

function statusCounts(report: RunReport): Record<string, number> {
  const { submissions, ...counts } = report.counts;
  const actions = Object.fromEntries(Object.entries(report.actions).map(([k, v]) => [`action:${k}`, v]));
  return { ...counts, ...(submissions ? { submissions: submissions.total } : {}), ...actions };
}

function writeStatusQuietly(path: string, s: RunStatus, logger: Logger): void {
  try {
    writeStatus(path, s);
  } catch (err) {
    logger.warn({ path, error: (err as Error).message }, 'could not write the status file');
  }
}
