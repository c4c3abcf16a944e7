import { describeError } from '../../runtime/errors.js';
import type { Exec } from '../../runtime/exec.js';
import type { PoolBackend } from '../backend.js';
import type { RayDemandConfig, SlurmBackendConfig } from '../config.js';
import type { DemandSource } from '../demand/demand.js';
import { rayCluster } from '../demand/ray.js';
import { rayDashboard } from '../demand/ray-dashboard.js';
import type { Host, ProbeResult } from '../host.js';
import { rayNodeName, slurmBackend, withWallTime } from './slurm.js';

export interface SlurmRayPoolOptions {
  pool: string;
  demand: RayDemandConfig;
  backend: SlurmBackendConfig;
  /** The file that keeps each job's host state: one per pool, in the state directory. */
  statePath: string;
  now: () => number;
  exec?: Exec;
  fetch?: typeof fetch;
  /** A dry run or `status`: the hosts file is only read. */
  readOnly?: boolean;
  /** The signal the run got, if any: no sbatch or scancel starts after it. */
  interrupted?: () => string | undefined;
  /** `run --dry-run`: launches are checked with sbatch --test-only. */
  validateLaunches?: boolean;
}

/**
 * What a tick needs for seed 004's pool: the SLURM backend, the Ray demand, and the probe (the
 * job's Ray node alive and its tasks, unhealthy near its wall time). Pass all three to `tick`.
 */
export function slurmRayPool(options: SlurmRayPoolOptions): { backend: PoolBackend & { warnings: string[] }; demand: DemandSource; probe: (h: Host) => Promise<ProbeResult | null> } {
  const dashboard = rayDashboard({ url: options.demand.dashboard, timeoutMs: options.demand.timeout, limit: options.demand.limit, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const cluster = rayCluster({ dashboard, countRunning: options.demand.countRunning, nodeNameOf: (h) => rayNodeName(options.pool, h.id) });
  const backend = slurmBackend({
    pool: options.pool,
    config: options.backend,
    statePath: options.statePath,
    now: options.now,
    busy: rayBusy(cluster.probe),
    ...(options.exec ? { exec: options.exec } : {}),
    ...(options.readOnly ? { readOnly: true } : {}),
    ...(options.interrupted ? { interrupted: options.interrupted } : {}),
    ...(options.validateLaunches ? { validateLaunches: true } : {}),
  });
  return { backend, demand: cluster.demand, probe: withWallTime(cluster.probe, { replaceBeforeMs: options.backend.replaceBefore, now: options.now }) };
}

/**
 * Ray, asked once more right before a scancel whatever the reason for it: a job whose Ray node
 * holds tasks is kept, and so is one Ray cannot answer about now (the dashboard down, its task
 * list cut). A job with no alive Ray node (a zombie, a dead node) holds none.
 */
export function rayBusy(probe: (h: Host) => Promise<ProbeResult | null>): (h: Host) => Promise<string | null> {
  return async (host) => {
    const answer = await probe(host).catch((err: unknown): ProbeResult => ({ ok: false, error: describeError(err) }));
    if (!answer) return 'Ray asked again right before scancel: no answer about this worker now: kept this tick';
    if (!answer.ok) return `Ray asked again right before scancel: ${answer.error}: kept this tick`;
    if (answer.jobs > 0) return `Ray asked again right before scancel: its node holds ${answer.jobs} task(s): kept`;
    return null;
  };
}
