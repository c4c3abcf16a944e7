import { existsSync, renameSync } from 'node:fs';
import { ActionGuard } from '../runtime/action-guard.js';
import { DEFAULTS, type CommonConfig } from '../runtime/config.js';
import { Deadline } from '../runtime/deadline.js';
import { RunError } from '../runtime/errors.js';
import { ExitCode, signalExitCode } from '../runtime/exit-codes.js';
import { acquireLock, lockFileOf } from '../runtime/lock.js';
import { fdLogSink, streamLogSink, type LogSink } from '../runtime/log-stream.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import type { Secrets } from '../runtime/secrets.js';
import { chooseLogOutput, isTTY, readableLogStream } from '../runtime/terminal-output.js';
import { resolveStateDir, stateDirError } from '../runtime/state-dir.js';
import { readStatus, writeStatus, STATUS_SUFFIX, type RunStatus } from '../runtime/status-file.js';
import { nextFailing, type Failing } from '../runtime/failing.js';
import type { CliIO } from './io.js';

/** What a command tells the shell about its run before it starts. */
export interface ShellSpec {
  /** The command's name, for the logger, messages and the status file. */
  name: string;
  io: CliIO;
  common: CommonConfig;
  /** --state-dir, if given. */
  stateDirFlag?: string;
  /** The lock and status key (`runTargetKey`). */
  targetKey: string;
  /** The key an older version used for this target: its status file is carried over once. */
  legacyTargetKey?: string;
  /** What the status file and the table show as the target (the API URL, the pool file). */
  targetLabel: string;
  secrets: Secrets;
  /** Configuration warnings gathered before the logger existed. */
  warnings: string[];
  /** The longest the run may last: the deadline plus the request timeouts and a margin. */
  hardMs: number;
  /** --quiet: only the summary on stdout, warnings and errors on stderr. */
  quiet?: boolean;
}

/** What the shell hands the command's body: the run's shared machinery. */
export interface Shell {
  logger: Logger;
  deadline: Deadline;
  guard: ActionGuard;
  maxActions: number;
  startedAt: string;
  /** The run is limited to some targets (--challenge): it never moves `lastSuccessAt`. */
  scoped: boolean;
  /** The last full successful run before this one, from the status file. */
  previousLastSuccessAt: string | null;
  /** Where the previous run stopped early, if it did (not for a scoped run). */
  resumeAfter?: number;
  /** What was failing after the previous run, and since when (from the status file). */
  previousFailing?: Failing;
  /** Log lines the sink could not write so far, and why. */
  logLinesDropped(): { lines: number; error: string } | undefined;
}

/** What the body hands back: the exit code, the status file's counts, and the text for stdout. */
export interface ShellResult {
  exitCode: number;
  counts: Record<string, number>;
  /** The first run error, for the status file. */
  message?: string;
  /** What stdout gets (already formatted: human lines or JSON). */
  stdout: string;
  /** Where the next run resumes; undefined clears it. */
  resumeAfter?: number;
  /** What fails after this run and since when (nextFailing); when not given, the streak from the exit code alone. */
  failing?: Failing;
  /** When the run finished, as its report says (so the status file and the report agree); default: now. */
  finishedAt?: string;
}

/**
 * What every command shares around its own logic, once: the logger and its sink, the state
 * directory, the lock, the status file, the deadline with its watchdog, SIGTERM/SIGINT, and the
 * action guard. Throws ConfigError (exit 2) before the body runs when the state directory is
 * unusable, and RunError (exit 4) when another run holds the lock. A dry run takes no lock and
 * writes no status: it changes nothing, not even the state directory.
 */
export async function runInShell(spec: ShellSpec, body: (shell: Shell) => Promise<ShellResult>): Promise<number> {
  const { io, common } = spec;
  // Under cron: pino JSON. On a terminal with no level given: readable warnings (terminal-output.ts).
  const output = chooseLogOutput({ level: common.logLevel, levelGiven: common.levelGiven, stderrIsTTY: isTTY(io.stderr), quiet: spec.quiet ?? false });
  const sink: LogSink = output.readable ? streamLogSink(readableLogStream(io.stderr)) : io.stderr === process.stderr ? fdLogSink(2) : streamLogSink(io.stderr);
  const logger = createLogger({ level: output.level, secrets: spec.secrets, command: spec.name, sink });
  for (const w of spec.warnings) logger.warn(w);

  const stateDir = common.dryRun ? null : resolveStateDir(spec.stateDirFlag, io.env);
  const lockPath = stateDir ? lockFileOf(stateDir, spec.targetKey) : null;
  const lock = lockPath
    ? await acquireLock(lockPath, { holdForMs: spec.hardMs + DEFAULTS.signalGraceMs + DEFAULTS.lockMarginMs, waitMs: common.waitLockMs })
    : { acquired: true as const, release: () => undefined };
  if (!lock.acquired) {
    const h = lock.holder;
    const who = h ? `pid ${h.pid} on ${h.host}, started ${h.startedAt}, stale after ${h.staleAt}` : 'a run that is still starting';
    throw new RunError(`another ${spec.name} run (${who}) holds the lock ${lockPath}; this run did nothing`, ExitCode.Locked);
  }

  const scoped = common.only !== undefined;
  const statusPath = stateDir ? `${stateDir}/${spec.targetKey}${STATUS_SUFFIX}` : null;
  if (statusPath && spec.legacyTargetKey && spec.legacyTargetKey !== spec.targetKey) {
    carryOverLegacyStatus(`${stateDir}/${spec.legacyTargetKey}${STATUS_SUFFIX}`, statusPath, logger);
  }
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
      target: spec.targetLabel,
      startedAt,
      finishedAt: null,
      outcome: 'running',
      exitCode: null,
      counts: {},
      lastSuccessAt: previous?.lastSuccessAt ?? null,
      ...(scoped ? { scoped } : {}),
      ...(previous?.resumeAfter !== undefined ? { resumeAfter: previous.resumeAfter } : {}),
      ...(previous?.failing ? { failing: previous.failing } : {}),
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
  const timers: NodeJS.Timeout[] = [setTimeout(() => deadline.abandon(`abandoned ${Math.round(spec.hardMs / 1000)} s after it started (deadline plus request timeouts)`), spec.hardMs)];
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
    const shell: Shell = {
      logger,
      deadline,
      guard,
      maxActions,
      startedAt,
      scoped,
      previousLastSuccessAt: previous?.lastSuccessAt ?? null,
      ...(!scoped && previous?.resumeAfter !== undefined ? { resumeAfter: previous.resumeAfter } : {}),
      ...(previous?.failing ? { previousFailing: previous.failing } : {}),
      logLinesDropped: () => (sink.dropped ? { lines: sink.dropped, error: sink.firstError ?? 'error' } : undefined),
    };
    const result = await body(shell);
    const dropped = shell.logLinesDropped();
    const finishedAt = result.finishedAt ?? new Date().toISOString();
    statusQuietly({
      finishedAt,
      outcome: deadline.interruptedBy ? 'interrupted' : result.exitCode === ExitCode.Ok ? 'ok' : result.exitCode === ExitCode.Unavailable ? 'failed' : 'partial',
      exitCode: result.exitCode,
      counts: { ...result.counts, ...(dropped ? { logLinesDropped: dropped.lines } : {}) },
      lastSuccessAt: result.exitCode === ExitCode.Ok && !scoped ? finishedAt : (previous?.lastSuccessAt ?? null),
      ...(result.message ? { message: spec.secrets.scrub(result.message) } : {}),
      resumeAfter: scoped ? previous?.resumeAfter : result.resumeAfter,
      // A run limited by --challenge says nothing of the others: the failing items stay as they were.
      failing: scoped ? previous?.failing : (result.failing ?? nextFailing(previous?.failing, result.exitCode, [], finishedAt)),
    });
    io.stdout.write(spec.secrets.scrub(result.stdout));
    return result.exitCode;
  } catch (err) {
    const finishedAt = new Date().toISOString();
    const exitCode = err instanceof RunError ? err.exitCode : ExitCode.Partial;
    statusQuietly({ finishedAt, outcome: 'failed', exitCode, message: spec.secrets.scrub(String((err as Error)?.message ?? err)), failing: scoped ? previous?.failing : nextFailing(previous?.failing, exitCode, [], finishedAt) });
    throw err;
  } finally {
    signals.off('SIGTERM', onSignal);
    signals.off('SIGINT', onSignal);
    for (const t of timers) clearTimeout(t);
    lock.release();
  }
}

/** Renames an older version's status file to this target's name, unless this target already has one. */
function carryOverLegacyStatus(legacyPath: string, statusPath: string, logger: Logger): void {
  if (!existsSync(legacyPath) || existsSync(statusPath)) return;
  try {
    renameSync(legacyPath, statusPath);
    logger.info({ from: legacyPath, to: statusPath }, 'carried over the status file of an earlier version');
  } catch (err) {
    logger.warn({ from: legacyPath, error: (err as Error).message }, 'could not carry over the status file of an earlier version');
  }
}
