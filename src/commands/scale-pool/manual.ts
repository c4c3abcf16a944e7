import type { RefusedCall, SentCall } from '../../aws/mutation-guard.js';
import type { Shell, ShellResult } from '../../runtime/run-shell.js';
import { RunError, describeError } from '../../runtime/errors.js';
import { ExitCode, signalExitCode } from '../../runtime/exit-codes.js';
import { withAbandonment } from '../../runtime/watchdog.js';
import { decideManual } from '../../pool/manual.js';
import { describeCounts, stateCounts } from '../../pool/status.js';
import { liveCap } from '../../pool/policy.js';
import { tick } from '../../pool/tick.js';
import type { Move } from '../../pool/states.js';
import { poolDeps } from './deps.js';
import { describeCall, describeDemand } from './format.js';
import type { PoolSetup } from './settings.js';
import { buildPoolParts } from './sources.js';
import { pauseStoreOf } from './pause-store.js';
import { describePause, readHold } from '../../pool/pause.js';
import { poolStatePath, readPoolState, writePoolState } from './state.js';

export interface ManualReport {
  command: string;
  pool: string;
  dryRun: boolean;
  demand: unknown;
  from: number;
  to: number;
  reason: string;
  moves: Array<Move & { status: 'done' | 'planned' | 'refused' | 'failed'; error?: string }>;
  launches: { wanted: number; launched: string[]; status: 'none' | 'done' | 'planned' | 'refused' | 'failed'; error?: string };
  next: string;
  exitCode: number;
  errors: string[];
  /** What needs a person's look without failing (the default allocation fell back to RunInstances). */
  warnings?: string[];
  /** Every change sent to AWS (action, instance ids, when), and those held back after a signal. */
  sent?: SentCall[];
  notSent?: RefusedCall[];
}

/**
 * `scale-pool scale-up N` / `scale-down N` (seed 002): observe the pool as a tick does (a dry-run
 * tick: hosts, probes, demand and what the automatic decision wants now), decide the manual change
 * bounded by min and max (pool/manual.ts), and act on it now: recaptures and drains as state tags,
 * launches after the backend's re-count. A scale-down only drains. Every drain and launch is
 * claimed from the run's ActionGuard. It says what the next automatic tick will do about it.
 */
export async function manualScale(setup: PoolSetup, shell: Shell, direction: 'up' | 'down', count: number, sleep?: (ms: number) => Promise<void>): Promise<ShellResult> {
  const pool = setup.pools[0]!;
  const deps = poolDeps(setup, shell, sleep);
  const { logger, guard } = shell;
  const dryRun = setup.common.dryRun;
  const statePath = poolStatePath(setup.stateDir, setup.spec.targetKey, pool.name);
  const read = readPoolState(statePath);
  if (read.warning) logger.warn({ pool: pool.name }, read.warning);
  const command = `scale-pool scale-${direction}`;
  const errors: string[] = [];
  const warnings: string[] = [];
  let report: ManualReport;
  try {
    report = await withAbandonment(
      (async (): Promise<ManualReport> => {
        const now = Date.now();
        const parts = await buildPoolParts(pool, deps);
        for (const w of parts.warnings) logger.warn({ pool: pool.name }, w);
        const { backend, probe } = parts;
        // A paused pool is changed by nothing, a manual change neither: resume it first.
        const pauses = pauseStoreOf(pool, deps);
        const hold = pauses ? await readHold(pauses) : null;
        if (hold) throw new RunError(`pool ${pool.name}: ${'pause' in hold ? describePause(hold.pause) : hold.unreadable}: ${command} changes nothing; run scale-pool resume first`, ExitCode.Partial);
        const seen = await tick({ pool: pool.name, policy: pool.policy, backend, demand: parts.demand, ...(probe ? { probe } : {}), ...(pool.probe ? { probeConcurrency: pool.probe.concurrency } : {}), ...(parts.shape ? { shape: parts.shape } : {}), state: read.state, now, dryRun: true });
        if (seen.errors.some((e) => e.startsWith('observe:'))) throw new RunError(`pool ${pool.name}: ${seen.errors[0]}; nothing was changed`, ExitCode.Unavailable);
        const d = decideManual({ hosts: seen.hosts, policy: pool.policy, direction, count, now, desiredHosts: seen.desiredHosts });
        logger.info({ pool: pool.name, from: d.from, to: d.to, hosts: describeCounts(stateCounts(seen.hosts)) }, d.reason);
        const moves: ManualReport['moves'] = d.moves.map((m) => ({ ...m, status: dryRun ? 'planned' : 'done' }));
        const launches: ManualReport['launches'] = { wanted: d.launches, launched: [], status: d.launches > 0 ? (dryRun ? 'planned' : 'done') : 'none' };
        if (!dryRun) {
          const go = moves.filter((m) => {
            if (m.to !== 'draining') return true;
            const c = guard.claim(`host ${m.hostId}`, `${m.from} -> ${m.to}`);
            if (!c.ok) Object.assign(m, { status: 'refused', error: c.reason });
            return c.ok;
          });
          if (go.length > 0) {
            try {
              await backend.writeStates(go);
            } catch (err) {
              for (const m of go) Object.assign(m, { status: 'failed', error: describeError(err) });
              errors.push(`state tags: ${describeError(err)}`);
            }
          }
          let allowed = 0;
          for (let k = 1; k <= d.launches; k += 1) {
            const c = guard.claim(`launch ${pool.name} #${k}`, 'launch');
            if (!c.ok) {
              launches.error = c.reason;
              break;
            }
            allowed = k;
          }
          if (d.launches > 0 && allowed === 0) launches.status = 'refused';
          if (allowed > 0) {
            const out = await backend.launch(allowed, { now, maxHosts: pool.policy.maxHosts, maxLiveHosts: liveCap(pool.policy), launchTimeoutMs: pool.policy.launchTimeoutMs, backoff: read.state.backoff });
            launches.launched = out.launched.map((h) => h.id);
            for (const w of out.warnings ?? []) {
              warnings.push(w);
              logger.warn({ pool: pool.name }, w);
            }
            if (out.error) {
              launches.status = 'failed';
              launches.error = out.error;
              errors.push(`launch: ${out.error}`);
            }
            writePoolState(statePath, { history: read.state.history, backoff: out.backoff });
          }
        }
        for (const m of moves) logger[m.status === 'refused' || m.status === 'failed' ? 'warn' : 'info']({ pool: pool.name, host: m.hostId, from: m.from, to: m.to, status: m.status, ...(m.error ? { error: m.error } : {}) }, m.reason);
        if (d.launches > 0) logger.info({ pool: pool.name, wanted: d.launches, launched: launches.launched, status: launches.status }, d.reason);
        logger.info({ pool: pool.name }, d.next);
        return { command, pool: pool.name, dryRun, demand: seen.demand, from: d.from, to: d.to, reason: d.reason, moves, launches, next: d.next, exitCode: 0, errors, ...(warnings.length ? { warnings } : {}) };
      })(),
      shell.deadline,
    );
  } finally {
    deps.aws.destroy();
  }
  if (!dryRun) {
    report.sent = deps.mutations?.sent ?? [];
    if (deps.mutations?.refused.length) report.notSent = deps.mutations.refused;
  }
  const signal = shell.deadline.interruptedBy;
  report.exitCode = signal ? signalExitCode(signal) : guard.refused > 0 ? ExitCode.MaxActions : errors.length > 0 ? ExitCode.Partial : ExitCode.Ok;
  for (const e of errors) logger.error({ pool: pool.name }, e);
  const human = [
    ...(dryRun ? ['dry run: nothing was changed'] : []),
    `pool ${pool.name}: ${describeDemand(report.demand as never)}`,
    `  ${report.reason}`,
    ...report.moves.map((m) => `  ${m.hostId} ${m.from} -> ${m.to} [${m.status}]: ${m.reason}${m.error ? ` (${m.error})` : ''}`),
    ...(report.launches.wanted > 0 ? [`  launch ${report.launches.wanted} [${report.launches.status}]${report.launches.launched.length ? `: ${report.launches.launched.join(', ')}` : ''}${report.launches.error ? ` (${report.launches.error})` : ''}`] : []),
    `  next tick: ${report.next}`,
    ...(report.sent?.length ? [`  sent to AWS: ${report.sent.map(describeCall).join('; ')}`] : []),
    ...(report.notSent ? [`  not sent (${report.notSent[0]!.signal} came first): ${report.notSent.map(describeCall).join('; ')}`] : []),
    ...warnings.map((w) => `  warning: ${w}`),
    ...errors.map((e) => `  error: ${e}`),
  ];
  return {
    exitCode: report.exitCode,
    counts: { drained: report.moves.filter((m) => m.to === 'draining' && m.status === 'done').length, launched: report.launches.launched.length },
    ...(errors.length ? { message: errors[0]! } : {}),
    stdout: setup.common.json ? `${JSON.stringify(report, null, 2)}\n` : `${human.join('\n')}\n`,
  };
}
