import { describeError } from '../../runtime/errors.js';
import type { Exec } from '../../runtime/exec.js';
import type { PoolBackend } from '../backend.js';
import { memoryBytes, type RayDemandConfig, type SlurmBackendConfig, type SlurmWorkerType } from '../config.js';
import type { ShapedNeed } from '../decide.js';
import { packDemands, type Resources } from '../ray-bin-pack.js';
import { isCounting } from '../states.js';
import type { DemandSource } from '../demand/demand.js';
import { rayCluster, type RaySnapshot } from '../demand/ray.js';
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
export function slurmRayPool(options: SlurmRayPoolOptions): {
  backend: PoolBackend & { warnings: string[] };
  demand: DemandSource;
  probe: (h: Host) => Promise<ProbeResult | null>;
  /** Several worker types: what the demand's shapes need started (pass to `tick` as `shape`); absent for one type. */
  shape?: (hosts: readonly Host[], maxHosts: number) => ShapedNeed | null;
} {
  const dashboard = rayDashboard({ url: options.demand.dashboard, timeoutMs: options.demand.timeout, limit: options.demand.limit, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const types = options.backend.workerTypes.map((t) => ({ name: t.name, resources: workerResources(t) }));
  const nodeNameOf = (h: Host): string => rayNodeName(options.pool, h.id);
  const cluster = rayCluster({ dashboard, countRunning: options.demand.countRunning, nodeNameOf, workerTypes: types });
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
  const probe = withWallTime(cluster.probe, { replaceBeforeMs: options.backend.replaceBefore, now: options.now });
  if (types.length < 2) return { backend, demand: cluster.demand, probe };
  const shape = (hosts: readonly Host[], maxHosts: number): ShapedNeed | null => {
    const snapshot = cluster.snapshot();
    if (!snapshot?.load) return null;
    return shapedNeed(snapshot, hosts, options.backend.workerTypes, nodeNameOf, maxHosts);
  };
  return { backend, demand: cluster.demand, probe, shape };
}

/** What Ray sees a worker of this type hold: CPU, GPU, memory (from sbatch --mem) and its custom resources. */
export function workerResources(t: SlurmWorkerType): Resources {
  const r: Resources = { CPU: t.cpus, ...t.resources };
  if (t.gpus > 0) r.GPU = t.gpus;
  const mem = t.memory === undefined ? null : memoryBytes(t.memory);
  if (mem !== null) r.memory = mem;
  return r;
}

/** Ray's dashboard turns resource names inside usage_by_node to camelCase (rest_response): map them back to the names the pool knows. */
function camel(name: string): string {
  const [head, ...rest] = name.split('_');
  return head + rest.map((x) => x.charAt(0).toUpperCase() + x.slice(1).toLowerCase()).join('');
}

/**
 * The pack of one tick: the demand by shape from the last look at Ray, onto the free resources of
 * every alive Ray node (usage_by_node) and the whole of each live job of the pool that has no Ray
 * node yet (queued or starting), then onto new workers of the types with room.
 */
export function shapedNeed(snapshot: RaySnapshot, hosts: readonly Host[], workerTypes: readonly SlurmWorkerType[], nodeNameOf: (h: Host) => string, maxHosts: number): ShapedNeed | null {
  const load = snapshot.load;
  if (!load) return null;
  const types = workerTypes.map((t) => ({ type: t, resources: workerResources(t) }));
  const names = new Map<string, string>();
  for (const r of [...types.map((t) => t.resources), ...load.demand.map((d) => d.resources)]) for (const k of Object.keys(r)) names.set(camel(k), k);
  const free: Resources[] = [...(load.freeByNode?.values() ?? [])].map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [names.get(k) ?? k, v])));
  const live = hosts.filter((h) => isCounting(h.state) && h.cloud !== 'terminated' && h.cloud !== 'shutting-down');
  for (const h of live) {
    const t = types.find((x) => x.type.name === h.instanceType);
    if (t && !snapshot.nodesByName.has(nodeNameOf(h))) free.push({ ...t.resources });
  }
  const existing = (name: string): number => hosts.filter((h) => h.instanceType === name && h.state !== 'terminating' && h.state !== 'terminated' && h.cloud !== 'terminated').length;
  const plan = packDemands({
    tasks: load.demand,
    placementGroups: load.placementGroups,
    free,
    types: types.map((t) => ({ name: t.type.name, resources: t.resources, max: t.type.maxWorkers ?? Infinity, existing: existing(t.type.name) })),
    // Never more than the pool's max could take: the plan stays small whatever the backlog.
    maxToAdd: Math.max(0, maxHosts - live.length),
  });
  return { workers: plan.order.length, order: plan.order, fallback: plan.defaultType, reason: plan.reason };
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
