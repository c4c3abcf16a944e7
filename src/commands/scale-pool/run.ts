import { demandHistoryPath, noteForecast } from './forecast-log.js';
import type { Shell, ShellResult } from '../../runtime/run-shell.js';
import { describeError } from '../../runtime/errors.js';
import { counted } from '../../runtime/plural.js';
import { ExitCode, signalExitCode, type ExitCodeValue } from '../../runtime/exit-codes.js';
import type { Logger } from '../../runtime/logger.js';
import { withAbandonment } from '../../runtime/watchdog.js';
import type { PoolConfig } from '../../pool/config.js';
import { describeCounts, stateCounts } from '../../pool/status.js';
import { tick, type TickReport } from '../../pool/tick.js';
import type { RefusedCall } from '../../aws/mutation-guard.js';
import { describeCall, describeInterruptions, formatRunHuman, poolSummary, type PoolRunReport, type RunPoolsReport } from './format.js';
import { poolDeps } from './deps.js';
import type { PoolSetup } from './settings.js';
import { buildPoolParts, type PoolDeps } from './sources.js';
import { pauseStoreOf } from './pause-store.js';
import { readHold } from '../../pool/pause.js';
import { poolStatePath, readPoolState, writePoolState } from './state.js';
import { unshapedHostWarnings } from './unshaped.js';

/**
 * `scale-pool run`, one tick of every chosen pool inside the run shell: for each pool, one after
 * another, the pool state file is read, observe -> decide -> act (pool/tick.ts) runs with every
 * drain, terminate and launch claimed from the shell's ActionGuard, the state file is written
 * (not in a dry run), and each move is logged with its reason. One pool's failure never stops the
 * next; past the deadline or after a signal no further pool is started.
 */
export async function runPools(setup: PoolSetup, shell: Shell, sleep?: (ms: number) => Promise<void>): Promise<ShellResult> {
  // A dry run of `run` checks what it would launch (sbatch --test-only); `status` does not.
  const deps = { ...poolDeps(setup, shell, sleep), validateLaunches: setup.common.dryRun };
  const { logger, deadline } = shell;
  logger.info({ dryRun: setup.common.dryRun, file: setup.file.path, pools: setup.pools.map((p) => p.name), deadlineMs: setup.common.deadlineMs, maxActions: shell.maxActions }, 'run started');
  const pools: PoolRunReport[] = [];
  const notStarted: string[] = [];
  const warnings: string[] = [];
  try {
    const work = (async () => {
      warnings.push(...(await unshapedHostWarnings(setup.pools, deps)));
      for (const w of warnings) logger.warn(w);
      for (const pool of setup.pools) {
        if (deadline.expired()) {
          notStarted.push(pool.name);
          continue;
        }
        pools.push(await runPool(pool, setup, shell, deps));
      }
    })();
    await withAbandonment(work, deadline);
  } finally {
    deps.aws.destroy();
  }

  const exitCode = runExitCode(pools, notStarted, shell);
  const sent = deps.mutations?.sent ?? [];
  const notSent = deps.mutations?.refused ?? [];
  const errors = runErrorLines(pools, notStarted, shell, notSent, new Set(setup.pools.map((p) => p.backend.type)));
  // The pools' own errors were logged with their pool; the run-level ones here.
  for (const e of errors.slice(pools.reduce((s, p) => s + p.errors.length, 0))) logger.error(e);
  const report: RunPoolsReport = {
    command: 'scale-pool run',
    file: setup.file.path,
    dryRun: setup.common.dryRun,
    startedAt: shell.startedAt,
    finishedAt: new Date().toISOString(),
    exitCode,
    errors,
    ...(warnings.length ? { warnings } : {}),
    pools,
    ...(notStarted.length ? { notStarted } : {}),
    sent,
    ...(notSent.length ? { notSent } : {}),
  };
  const counts = runCounts(pools, notStarted);
  logger.info({ exitCode, ...counts }, 'run finished');
  const dropped = shell.logLinesDropped();
  if (dropped) report.logLinesDropped = dropped;
  // Each tick publishes (a daemon's too: each tick is one run); a failure to publish is one warning.
  const lastSuccessAt = exitCode === ExitCode.Ok ? report.finishedAt : shell.previousLastSuccessAt;
  const metrics = setup.common.metrics;
  if (metrics.file || metrics.pushgateway || metrics.ignoredInDryRun.length) {
    // prom-client loads only for a run that publishes (as the other commands, cli/run-command.ts).
    const [{ publishParts, runLabels }, { poolMetrics, poolRunMetrics }] = await Promise.all([import('../../metrics/publish.js'), import('../../metrics/pool-metrics.js')]);
    await publishParts(runLabels('scale-pool', setup.spec.targetKey), [poolRunMetrics(report, { lastSuccessAt, refusedActions: shell.guard.refused }), poolMetrics(pools)], { ...metrics, logger });
  }
  return {
    exitCode,
    counts,
    ...(errors.length ? { message: errors[0]! } : {}),
    stdout: setup.common.json ? `${JSON.stringify(report, null, 2)}\n` : formatRunHuman(report, setup.common.verbose),
  };
}

/** One pool's tick, its log lines, and its state file. Never throws: a failure is the pool's own. */
async function runPool(pool: PoolConfig, setup: PoolSetup, shell: Shell, deps: PoolDeps): Promise<PoolRunReport> {
  const { logger, guard } = shell;
  const statePath = poolStatePath(setup.stateDir, setup.spec.targetKey, pool.name);
  const read = readPoolState(statePath);
  if (read.warning) logger.warn({ pool: pool.name }, read.warning);
  let report: TickReport;
  try {
    const parts = await buildPoolParts(pool, deps);
    for (const w of parts.warnings) logger.warn({ pool: pool.name }, w);
    // Read on every tick (a daemon's too): a pause or resume takes effect on the next tick.
    const pauses = pauseStoreOf(pool, deps);
    const hold = pauses ? await readHold(pauses) : null;
    report = await tick({
      pool: pool.name,
      policy: pool.policy,
      backend: parts.backend,
      demand: parts.demand,
      ...(parts.probe ? { probe: parts.probe } : {}),
      ...(pool.probe ? { probeConcurrency: pool.probe.concurrency } : {}),
      ...(parts.interruptions ? { interruptions: parts.interruptions } : {}),
      ...(parts.shape ? { shape: parts.shape } : {}),
      state: read.state,
      now: Date.now(),
      dryRun: setup.common.dryRun,
      validateLaunches: true,
      ...(hold ? { hold } : {}),
      claim: (target, action) => {
        const c = guard.claim(target, action);
        return c.ok ? null : c.reason;
      },
    });
  } catch (err) {
    const message = `the tick stopped: ${describeError(err)}`;
    logger.error({ pool: pool.name }, message);
    return { pool: pool.name, dryRun: setup.common.dryRun, demand: null, desiredHosts: null, why: message, moves: [], launches: { wanted: 0, reason: '', status: 'none', launched: [], attempts: [] }, terminated: [], hosts: {}, failed: true, unavailable: false, errors: [message] };
  }
  logTick(logger, report, pool.backend.type === 'slurm' ? 'scancel' : 'TerminateInstances');
  noteForecast(pool, demandHistoryPath(setup.stateDir, setup.spec.targetKey, pool.name), logger, report, Date.now());
  if (!setup.common.dryRun && !report.errors.some((e) => e.startsWith('observe:'))) {
    try {
      writePoolState(statePath, report.state);
    } catch (err) {
      const message = `could not write the pool state file ${statePath}: ${describeError(err)}`;
      logger.error({ pool: pool.name }, message);
      report.failed = true;
      report.errors.push(message);
    }
  }
  return poolSummary(report);
}

/** A pino line per move and launch, with its reason, and one for the size decision. `terminateCall` names what the backend sends. */
export function logTick(logger: Logger, r: TickReport, terminateCall: 'TerminateInstances' | 'scancel' = 'TerminateInstances'): void {
  const pool = r.pool;
  logger.info({ pool, demand: r.demand, desiredHosts: r.desiredHosts, hosts: describeCounts(stateCounts(r.hosts)) }, r.why);
  for (const m of r.moves) {
    const fields = { pool, host: m.hostId, from: m.from, to: m.to, status: m.status, ...(m.error ? { error: m.error } : {}) };
    if (m.status === 'failed' || m.status === 'refused') logger.warn(fields, m.reason);
    else logger.info(fields, m.reason);
  }
  const l = r.launches;
  if (l.wanted > 0) {
    const fields = { pool, wanted: l.wanted, launched: l.launched, status: l.status, attempts: l.attempts, ...(l.error ? { error: l.error } : {}) };
    if (l.status === 'failed' || l.status === 'refused') logger.warn(fields, l.reason);
    else logger.info(fields, l.reason);
  }
  if (r.terminated.length > 0) logger.info({ pool, terminated: r.terminated }, `${terminateCall} sent for ${counted(r.terminated.length, 'host')}`);
  const q = r.interruptions;
  if (q && q.received > 0) logger.info({ pool, queue: q.queue, received: q.received, handled: q.handled, foreign: q.foreign, ignored: q.ignored, deleted: q.deleted }, describeInterruptions(q));
  for (const u of q?.unreadable ?? []) logger.warn({ pool, queue: q!.queue, messageId: u.messageId }, `interruption queue: a message that cannot be read (${u.reason}): not acted on, left in the queue for its redrive policy`);
  for (const k of q?.kept ?? []) logger.info({ pool, queue: q!.queue, messageId: k.messageId }, `interruption queue: message left in the queue: ${k.reason}`);
  for (const w of r.warnings ?? []) logger.warn({ pool }, w);
  for (const e of r.errors) logger.error({ pool }, e);
}

/**
 * 3 when no pool could even be listed (the cloud is unreachable, the credentials refused); then the
 * signal's code; 6 when --max-actions refused a change; 5 when the deadline left pools unstarted;
 * 1 when a pool failed (an unknown demand, a failed action); 0 otherwise.
 */
export function runExitCode(pools: readonly PoolRunReport[], notStarted: readonly string[], shell: Pick<Shell, 'deadline' | 'guard'>): ExitCodeValue {
  if (pools.length > 0 && pools.every((p) => p.unavailable)) return ExitCode.Unavailable;
  const signal = shell.deadline.interruptedBy;
  if (signal) return signalExitCode(signal);
  if (shell.guard.refused > 0) return ExitCode.MaxActions;
  if (notStarted.length > 0) return ExitCode.Deadline;
  if (pools.some((p) => p.failed)) return ExitCode.Partial;
  return ExitCode.Ok;
}

function runErrorLines(pools: readonly PoolRunReport[], notStarted: readonly string[], shell: Shell, notSent: readonly RefusedCall[], backends: ReadonlySet<string>): string[] {
  const errors = pools.flatMap((p) => p.errors.map((e) => `pool ${p.pool}: ${e}`));
  if (shell.guard.refused > 0) errors.push(`--max-actions ${shell.maxActions} reached: ${shell.guard.refused} further change(s) refused; check the demand before raising it`);
  const signal = shell.deadline.interruptedBy;
  // What the AWS clients' guard enforces: no change leaves after the signal (aws/mutation-guard.ts);
  // the SLURM backend starts no sbatch or scancel after it (pool/backends/slurm.ts, `interrupted`).
  const held = [...(backends.has('ec2') ? ['no change was sent to AWS'] : []), ...(backends.has('slurm') ? ['no sbatch or scancel started'] : [])].join(', and ');
  const heldBack = notSent.length ? `; held back: ${notSent.map(describeCall).join('; ')}` : '';
  if (signal) errors.push(`interrupted by ${signal}: ${held} after it${heldBack}${notStarted.length ? `; pools not started: ${notStarted.join(', ')}` : ''}`);
  else if (notStarted.length > 0) errors.push(`deadline passed: pools not started: ${notStarted.join(', ')}; the next run handles them`);
  return errors;
}

function runCounts(pools: readonly PoolRunReport[], notStarted: readonly string[]): Record<string, number> {
  const sum = (f: (p: PoolRunReport) => number): number => pools.reduce((s, p) => s + f(p), 0);
  return {
    pools: pools.length + notStarted.length,
    failedPools: pools.filter((p) => p.failed).length,
    notStarted: notStarted.length,
    launched: sum((p) => p.launches.launched.length),
    drained: sum((p) => p.moves.filter((m) => m.to === 'draining' && (m.status === 'done' || m.status === 'planned')).length),
    terminated: sum((p) => p.terminated.length),
    refused: sum((p) => p.moves.filter((m) => m.status === 'refused').length + (p.launches.refused ?? 0)),
  };
}
