import type { PoolConfig } from '../../pool/config.js';
import { s3PauseStore } from '../../pool/ledger-s3.js';
import { pauseFileStore, type PauseStore } from '../../pool/pause.js';
import { coordinationObject, type PoolDeps } from './sources.js';

/**
 * Where a pool's pause is kept: with backend.coordination, the pool's shared S3 object (every
 * scheduler of the pool reads it each tick); else a file of the state directory (one scheduler per
 * pool). Null only when the caller has no state directory to give (never for the CLI).
 */
export function pauseStoreOf(pool: PoolConfig, deps: Pick<PoolDeps, 'aws' | 'pauseFileOf'>): PauseStore | null {
  const object = pool.backend.type === 'ec2' ? coordinationObject(pool.name, pool.backend, deps) : null;
  if (object) return s3PauseStore(object, pool.name);
  return deps.pauseFileOf ? pauseFileStore(deps.pauseFileOf(pool.name), pool.name) : null;
}
