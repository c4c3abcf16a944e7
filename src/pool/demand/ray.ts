import { describeError } from '../../runtime/errors.js';
import type { Host, ProbeResult } from '../host.js';
import type { Demand, DemandSource } from './demand.js';
import { holds, type Resources } from '../ray-bin-pack.js';
import type { RayDashboard, RayLoadMetrics, RayNode } from './ray-dashboard.js';

/**
 * A Ray cluster seen through its dashboard (seed 004): the demand (n = tasks waiting for a node)
 * and, per worker, whether its Ray node is alive and how many tasks it holds. One look at the
 * dashboard (pending tasks, live tasks, alive nodes) is shared by the demand and the probes of a
 * tick; a host asked about a second time (the re-check right before a terminate) gets a new look,
 * since a task may have landed in between.
 */
export interface RaySnapshot {
  /** Tasks in PENDING_NODE_ASSIGNMENT. */
  pending: number;
  /** The dashboard's data source cut the pending list: `pending` is a lower bound. */
  pendingLowerBound: boolean;
  /** Live tasks per node id; null when the list was cut (then no node is known to be idle). */
  busyByNode: Map<string, number> | null;
  /** Live tasks placed on a node, cluster-wide. */
  running: number;
  /** Alive nodes by node name. */
  nodesByName: Map<string, RayNode>;
  /** The pending demand by shape (`/api/cluster_status`), asked only when the pool has several worker types. */
  load?: RayLoadMetrics;
}

export interface RayClusterOptions {
  dashboard: RayDashboard;
  /** Count the running tasks in n as well as the pending ones. */
  countRunning: boolean;
  /** The Ray node name a host registers under (`ray start --node-name`). */
  nodeNameOf: (host: Host) => string;
  /**
   * Several worker types: the demand is counted by shape from the Ray monitor's load metrics, and
   * n leaves out what no type can hold (infeasible: reported, never launched for).
   */
  workerTypes?: ReadonlyArray<{ name: string; resources: Resources }>;
}

type Look = { ok: true; snapshot: RaySnapshot } | { ok: false; error: string };

export async function takeSnapshot(dashboard: RayDashboard, byShape = false): Promise<RaySnapshot> {
  const [pending, live, nodes, load] = await Promise.all([dashboard.pendingTasks(), dashboard.liveTasks(), dashboard.aliveNodes(), byShape ? dashboard.loadMetrics() : undefined]);
  const placed = live.rows.filter((t) => t.node_id);
  const cut = live.sourceTruncated || live.matching > live.rows.length;
  let busyByNode: Map<string, number> | null = null;
  if (!cut) {
    busyByNode = new Map();
    for (const t of placed) busyByNode.set(t.node_id!, (busyByNode.get(t.node_id!) ?? 0) + 1);
  }
  const nodesByName = new Map<string, RayNode>();
  for (const n of nodes.rows) if (n.node_name && n.state === 'ALIVE') nodesByName.set(n.node_name, n);
  return {
    pending: pending.matching,
    pendingLowerBound: pending.sourceTruncated,
    busyByNode,
    running: cut ? Math.max(placed.length, live.matching) : placed.length,
    nodesByName,
    ...(load ? { load } : {}),
  };
}

/** The pending demand by shape, split into what some worker type holds and what none does (tasks and actors, and placement groups, one each). */
export function feasibleDemand(load: RayLoadMetrics, types: ReadonlyArray<{ resources: Resources }>): { feasible: number; infeasible: number } {
  const held = (r: Resources): boolean => types.some((t) => holds(t.resources, r));
  let feasible = 0;
  let infeasible = 0;
  for (const d of load.demand) {
    if (held(d.resources)) feasible += d.count;
    else infeasible += d.count;
  }
  for (const pg of load.placementGroups) {
    let ok: boolean;
    if (pg.strategy === 'STRICT_PACK') {
      const sum: Resources = {};
      for (const b of pg.bundles) for (const [k, v] of Object.entries(b.resources)) sum[k] = (sum[k] ?? 0) + v * b.count;
      ok = held(sum);
    } else ok = pg.bundles.every((b) => held(b.resources));
    if (ok) feasible += pg.count;
    else infeasible += pg.count;
  }
  return { feasible, infeasible };
}

export function rayCluster(options: RayClusterOptions) {
  const { dashboard } = options;
  const source = `ray ${dashboard.url}`;
  let current: { look: Promise<Look>; asked: Set<string> } | null = null;
  let latest: RaySnapshot | null = null;
  const types = options.workerTypes && options.workerTypes.length > 1 ? options.workerTypes : undefined;

  const look = (): Promise<Look> =>
    takeSnapshot(dashboard, types !== undefined).then(
      (snapshot): Look => ((latest = snapshot), { ok: true, snapshot }),
      (err: unknown): Look => ({ ok: false, error: describeError(err) }),
    );

  const demand: DemandSource = {
    async read(): Promise<Demand> {
      current = { look: look(), asked: new Set() };
      const l = await current.look;
      if (!l.ok) return { known: false, reason: l.error, source };
      const s = l.snapshot;
      if (types && s.load) {
        const { feasible, infeasible } = feasibleDemand(s.load, types);
        const n = feasible + (options.countRunning ? s.running : 0);
        const note = infeasible > 0 ? `; ${infeasible} pending that no worker type holds left out` : '';
        return { known: true, n, queued: feasible, inFlight: s.running, source: `${source} (by resource shape${note})` };
      }
      if (s.pendingLowerBound && s.pending === 0) {
        return { known: false, reason: 'the dashboard cut its task list at the source: cannot tell whether tasks are pending', source };
      }
      const n = s.pending + (options.countRunning ? s.running : 0);
      return { known: true, n, queued: s.pending, inFlight: s.running, source: s.pendingLowerBound ? `${source} (at least ${s.pending} pending: list cut at the source)` : source };
    },
  };

  /** Alive and idle or busy, from the Ray node named after the host; null when the dashboard gave nothing usable. */
  async function probe(host: Host): Promise<ProbeResult | null> {
    if (!current || current.asked.has(host.id)) current = { look: look(), asked: new Set() };
    current.asked.add(host.id);
    const l = await current.look;
    if (!l.ok) return null;
    const name = options.nodeNameOf(host);
    const node = l.snapshot.nodesByName.get(name);
    if (!node) return { ok: true, healthy: false, jobs: 0, note: `no alive Ray node named ${name}` };
    if (!l.snapshot.busyByNode) return null;
    return { ok: true, healthy: true, jobs: l.snapshot.busyByNode.get(node.node_id) ?? 0 };
  }

  /** The last look that answered (the tick's, or a re-check's since): for packing demand by shape. */
  const snapshot = (): RaySnapshot | null => latest;

  return { demand, probe, snapshot };
}
