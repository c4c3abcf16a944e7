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
}

/**
 * What a tick needs for seed 004's pool: the SLURM backend, the Ray demand, and the probe (the
 * job's Ray node alive and its tasks, unhealthy near its wall time). Pass all three to `tick`.
 */
export function slurmRayPool(options: SlurmRayPoolOptions): { backend: PoolBackend & { warnings: string[] }; demand: DemandSource; probe: (h: Host) => Promise<ProbeResult | null> } {
  const dashboard = rayDashboard({ url: options.demand.dashboard, timeoutMs: options.demand.timeout, limit: options.demand.limit, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const cluster = rayCluster({ dashboard, countRunning: options.demand.countRunning, nodeNameOf: (h) => rayNodeName(options.pool, h.id) });
  const backend = slurmBackend({ pool: options.pool, config: options.backend, statePath: options.statePath, now: options.now, ...(options.exec ? { exec: options.exec } : {}) });
  return { backend, demand: cluster.demand, probe: withWallTime(cluster.probe, { replaceBeforeMs: options.backend.replaceBefore, now: options.now }) };
}
