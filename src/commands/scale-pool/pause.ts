import { AwsClients } from '../../aws/clients.js';
import { changePause, describePause, type PoolPause } from '../../pool/pause.js';
import { DEFAULTS } from '../../runtime/config.js';
import { formatDuration } from '../../runtime/duration.js';
import { RunError, describeError } from '../../runtime/errors.js';
import { ExitCode } from '../../runtime/exit-codes.js';
import type { CliIO } from '../../runtime/io.js';
import { pauseStoreOf } from './pause-store.js';
import { loadPauseSettings, type PauseFlags } from './settings.js';
import { poolPausePath } from './state.js';

/** A pause as the report shows it. */
interface PauseView {
  since: string;
  by: string;
  reason?: string;
}

export interface PauseReport {
  command: string;
  file: string;
  pool: string;
  /** Where the pause is kept: the pool's shared S3 object, or the pause file. */
  where: string;
  dryRun: boolean;
  /** False when the pool already was in the state asked for (or a dry run). */
  changed: boolean;
  before: PauseView | null;
  after: PauseView | null;
  exitCode: number;
}

/**
 * `scale-pool pause` / `resume` (one pool): write the pause where every scheduler of the pool reads
 * it on its next tick (pool/pause.ts), or clear it. Idempotent: pausing a paused pool keeps the
 * first pause (its time, author and reason); resuming a pool that is not paused changes nothing;
 * both exit 0. It takes no run lock and runs no tick: a tick already running finishes as it
 * decided; with backend.coordination a launch not yet admitted is stopped (ledger-s3.ts).
 * Exit 2 on a usage or configuration error, 3 when the pause cannot be read or written.
 */
export async function pauseOrResume(flags: PauseFlags, io: CliIO, action: 'pause' | 'resume'): Promise<number> {
  const command = `scale-pool ${action}`;
  const { file, pool, reason, by, secrets, dryRun, stateDir } = await loadPauseSettings(flags, io, command);
  const aws = new AwsClients({ secrets, timeoutMs: flags.timeout ?? DEFAULTS.timeoutMs });
  const store = pauseStoreOf(pool, { aws, pauseFileOf: (name) => poolPausePath(stateDir, file.path, name) })!;
  const now = Date.now();
  let before: PoolPause | null;
  let after: PoolPause | null;
  let changed = false;
  try {
    const next = (current: PoolPause | null): PoolPause | null => (action === 'pause' ? (current ?? { since: now, by, ...(reason ? { reason } : {}) }) : null);
    if (dryRun) {
      before = (await store.load()).pause;
      after = before === null && action === 'resume' ? null : next(before);
    } else {
      const out = await changePause(store, next);
      ({ before, after } = out);
      changed = out.written;
    }
  } catch (err) {
    throw new RunError(secrets.scrub(`pool ${pool.name}: ${action}: ${describeError(err)}; nothing changed`), ExitCode.Unavailable);
  } finally {
    aws.destroy();
  }

  const view = (p: PoolPause | null): PauseView | null => (p ? { since: new Date(p.since).toISOString(), by: p.by, ...(p.reason ? { reason: p.reason } : {}) } : null);
  const report: PauseReport = { command, file: file.path, pool: pool.name, where: store.where, dryRun, changed, before: view(before), after: view(after), exitCode: ExitCode.Ok };
  io.stdout.write(secrets.scrub(flags.json ? `${JSON.stringify(report, null, 2)}\n` : human(report, before, after, now)));
  return ExitCode.Ok;
}

function human(r: PauseReport, before: PoolPause | null, after: PoolPause | null, now: number): string {
  const lines = r.dryRun ? ['dry run: nothing was changed'] : [];
  const name = `pool ${r.pool}`;
  if (r.command.endsWith('pause')) {
    if (before) lines.push(`${name}: already ${describePause(before)}; nothing changed (the first pause is kept: resume, then pause again to change it)`);
    else lines.push(`${name}: ${r.dryRun ? 'would be ' : ''}${describePause(after!)}: from its next tick nothing is launched, drained or terminated, and minHosts is not enforced, until \`scale-pool resume\``);
  } else if (before) {
    lines.push(`${name}: ${r.dryRun ? 'would be ' : ''}resumed: it was ${describePause(before)} (for ${formatDuration(Math.max(0, now - before.since))}); its next tick acts again`);
  } else {
    lines.push(`${name}: not paused; nothing changed`);
  }
  lines.push(`  kept in ${r.where}`);
  return `${lines.join('\n')}\n`;
}
