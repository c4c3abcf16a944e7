import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from '../../runtime/atomic-file.js';
import { join } from 'node:path';
import { fileRunTargetKey } from '../../runtime/run-target.js';
import { parseTickState, serializeTickState } from '../../pool/state-file.js';
import type { PoolTickState } from '../../pool/tick.js';

export const POOL_STATE_SUFFIX = '.pool-state.json';

/** `<state dir>/<run key>.<pool>.pool-state.json`, next to the run's status file. */
export function poolStatePath(stateDir: string, key: string, pool: string): string {
  return join(stateDir, `${key}.${pool}${POOL_STATE_SUFFIX}`);
}

/** Where a SLURM pool keeps its jobs' host states (a SLURM job cannot carry tags as an instance does). */
export function poolHostsPath(stateDir: string, key: string, pool: string): string {
  return join(stateDir, `${key}.${pool}.slurm-hosts.json`);
}

/** The pool's history and capacity backoff; a missing file is an empty one, a broken one a warning. */
export function readPoolState(path: string): { state: PoolTickState; warning?: string } {
  let content: string | null;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') content = null;
    else return { ...parseTickState(null), warning: `the pool state file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): starting from an empty history` };
  }
  const parsed = parseTickState(content);
  return parsed.warning ? { state: parsed.state, warning: `${path}: ${parsed.warning}` } : parsed;
}

/** Written aside, then renamed into place: a reader never sees half a file. */
export function writePoolState(path: string, state: PoolTickState): void {
  writeFileAtomically(path, serializeTickState(state), 0o600);
}

/**
 * Where a pool without coordination keeps its pause: named by the pool file (not by --pool, as the
 * run key is) and the pool, so `run`, `status`, `pause` and `resume`, with or without --pool, share it.
 */
export function poolPausePath(stateDir: string, configFile: string, pool: string): string {
  return join(stateDir, `${fileRunTargetKey('scale-pool', configFile)}.${pool}.pause.json`);
}

/** Where an EC2 pool writes its launches before sending them, when it has no shared (S3) ledger. */
export function poolLedgerPath(stateDir: string, key: string, pool: string): string {
  return join(stateDir, `${key}.${pool}.launch-ledger.json`);
}

/** This scheduler's id, one per state directory (tagged on every instance it launches). */
export function schedulerIdPath(stateDir: string): string {
  return join(stateDir, 'scale-pool.scheduler-id');
}

/**
 * The scheduler id kept in the state directory, made (random) on first use. A dry run does not
 * write one: it uses the existing id, or a placeholder.
 */
export function readSchedulerId(stateDir: string, create: boolean): string {
  const path = schedulerIdPath(stateDir);
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (/^[A-Za-z0-9-]{1,64}$/.test(id)) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`the scheduler id file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!create) return 'dry-run';
  const id = `s-${randomBytes(8).toString('hex')}`;
  writeFileAtomically(path, `${id}\n`, 0o600);
  return id;
}
