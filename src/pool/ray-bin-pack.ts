/**
 * Which worker types to start for Ray's pending demand, as Ray's own autoscaler picks them
 * (python/ray/autoscaler/_private/resource_demand_scheduler.py: get_bin_pack_residual,
 * get_nodes_for, _resource_based_utilization_scorer). Pure: no I/O.
 *
 * 1. Demands no worker type can hold are infeasible: reported, never launched for. A demand that
 *    needs no GPU counts as held only by a type without GPUs: a CPU backlog never starts a GPU worker.
 * 2. Placement groups: a STRICT_PACK group is one demand (its bundles summed: one node); PACK and
 *    SPREAD bundles are demands of their own; each STRICT_SPREAD bundle needs a node of its own.
 * 3. What is left is first packed onto the free resources of the workers already up or starting
 *    (first fit, largest demands first, as get_bin_pack_residual).
 * 4. Then, one worker at a time, the type with the best utilization score for the rest (the most
 *    resource types matched, then the highest least-used resource, then the highest mean; a GPU
 *    type only while something left needs a GPU), within each type's max and `maxToAdd`; the
 *    first listed type wins a tie.
 */
export type Resources = Record<string, number>;

export interface ShapeCount {
  resources: Resources;
  count: number;
}

export interface PlacementGroupDemand {
  bundles: ShapeCount[];
  /** PACK, SPREAD, STRICT_PACK or STRICT_SPREAD (Ray's PlacementStrategy names). */
  strategy: string;
  count: number;
}

export interface WorkerTypeShape {
  name: string;
  resources: Resources;
  /** At most this many workers of the type, live ones included. */
  max: number;
  /** Live workers of the type now. */
  existing: number;
}

export interface PackInput {
  tasks: readonly ShapeCount[];
  placementGroups?: readonly PlacementGroupDemand[];
  /** The free resources of each worker up or starting (all of a type's for one not yet joined). */
  free: readonly Resources[];
  types: readonly WorkerTypeShape[];
  /** Workers that may be added in all. */
  maxToAdd: number;
}

export interface PackLaunch {
  type: string;
  count: number;
  reason: string;
}

export interface PackPlan {
  /** Per type, in the order of the types. */
  launches: PackLaunch[];
  /** The type of each worker to add, in the order chosen (a launch capped per tick takes the first). */
  order: string[];
  /** Demands no worker type can hold. */
  infeasible: ShapeCount[];
  /** Demands a type could hold but the types' max (or maxToAdd) left no room for. */
  unmet: ShapeCount[];
  /** Demands (bundles) that fit the free resources of the workers already up or starting. */
  onExisting: number;
  /** The type started beyond the plan (headroom, the minimum): see defaultType. */
  defaultType: string;
  /** One line: what is started for what, what fits already, what is infeasible. */
  reason: string;
}

/** A worker type with this many GPUs is a GPU type. */
const gpus = (r: Resources): number => r.GPU ?? 0;

function fitsIn(node: Resources, demand: Resources): number {
  let k = Infinity;
  for (const [name, v] of Object.entries(demand)) {
    if (v <= 0) continue;
    k = Math.min(k, Math.floor(((node[name] ?? 0) + 1e-9) / v));
  }
  return k;
}

/** Can this type ever hold the demand (a demand without GPUs only on a type without GPUs)? */
export function holds(type: Resources, demand: Resources): boolean {
  if (gpus(type) > 0 && gpus(demand) <= 0) return false;
  return fitsIn(type, demand) >= 1;
}

function subtract(node: Resources, demand: Resources, times: number): void {
  for (const [name, v] of Object.entries(demand)) if (v > 0) node[name] = (node[name] ?? 0) - v * times;
}

/** Ray's order for first fit: more resource kinds first, then the larger sum, then by name. */
function byRayOrder(a: ShapeCount, b: ShapeCount): number {
  const ka = Object.keys(a.resources).length;
  const kb = Object.keys(b.resources).length;
  if (ka !== kb) return kb - ka;
  const sa = Object.values(a.resources).reduce((s, v) => s + v, 0);
  const sb = Object.values(b.resources).reduce((s, v) => s + v, 0);
  if (sa !== sb) return sb - sa;
  return describeShape(b.resources).localeCompare(describeShape(a.resources));
}

/**
 * First fit of counted demands onto nodes (modified in place): what does not fit, and how many
 * of each demand each node took.
 */
function packOnto(nodes: Resources[], demands: readonly ShapeCount[]): { residual: ShapeCount[]; placed: ShapeCount[] } {
  const residual: ShapeCount[] = [];
  const placed: ShapeCount[] = [];
  for (const d of [...demands].sort(byRayOrder)) {
    let left = d.count;
    for (const node of nodes) {
      if (left === 0) break;
      const k = Math.min(left, fitsIn(node, d.resources));
      if (k <= 0) continue;
      subtract(node, d.resources, k);
      left -= k;
    }
    if (left < d.count) placed.push({ resources: d.resources, count: d.count - left });
    if (left > 0) residual.push({ resources: d.resources, count: left });
  }
  return { residual, placed };
}

type Score = [number, number, number];

/** Ray's utilization score of one more worker of this type for the demands left; null when it holds none of them. */
export function utilizationScore(type: Resources, demands: readonly ShapeCount[]): Score | null {
  if (gpus(type) > 0 && !demands.some((d) => gpus(d.resources) > 0)) return null;
  const remaining = { ...type };
  const { placed } = packOnto([remaining], demands);
  if (placed.length === 0) return null;
  const kinds = new Set<string>();
  for (const d of demands) for (const [k, v] of Object.entries(d.resources)) if (v > 0) kinds.add(k);
  let matching = 0;
  const utils: number[] = [];
  for (const [k, v] of Object.entries(type)) {
    if (v < 1) continue;
    if (kinds.has(k)) matching += 1;
    const util = (v - (remaining[k] ?? 0)) / v;
    utils.push(v * util ** 3);
  }
  if (utils.length === 0) return null;
  return [matching, Math.min(...utils), utils.reduce((s, u) => s + u, 0) / utils.length];
}

function better(a: Score, b: Score): boolean {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}

/** "{CPU: 1, GPU: 1}" (memory in GiB). */
export function describeShape(r: Resources): string {
  const parts = Object.entries(r)
    .filter(([, v]) => v > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => (k === 'memory' ? `memory: ${Math.round((v / 2 ** 30) * 100) / 100} GiB` : `${k}: ${v}`));
  return `{${parts.join(', ')}}`;
}

const describeCounts = (xs: readonly ShapeCount[]): string => xs.map((x) => `${x.count} × ${describeShape(x.resources)}`).join(', ');

function merge(into: Map<string, ShapeCount>, xs: readonly ShapeCount[]): void {
  for (const x of xs) {
    const key = describeShape(x.resources);
    const had = into.get(key);
    if (had) had.count += x.count;
    else into.set(key, { resources: x.resources, count: x.count });
  }
}

export function packDemands(input: PackInput): PackPlan {
  const types = input.types;
  const added = new Map<string, number>(types.map((t) => [t.name, 0]));
  const forType = new Map<string, Map<string, ShapeCount>>(types.map((t) => [t.name, new Map()]));
  const order: string[] = [];
  const infeasible: ShapeCount[] = [];
  const unmet: ShapeCount[] = [];
  const free = input.free.map((r) => ({ ...r }));
  const room = (t: WorkerTypeShape): boolean => t.existing + added.get(t.name)! < t.max && order.length < input.maxToAdd;
  const feasible = (r: Resources): boolean => types.some((t) => holds(t.resources, r));
  const add = (t: WorkerTypeShape, took: readonly ShapeCount[]): Resources => {
    added.set(t.name, added.get(t.name)! + 1);
    order.push(t.name);
    merge(forType.get(t.name)!, took);
    return { ...t.resources };
  };

  // Placement groups into demands (STRICT_SPREAD kept apart: a node per bundle).
  const tasks: ShapeCount[] = [];
  const spreads: Array<{ bundles: Resources[]; count: number }> = [];
  for (const t of input.tasks) if (t.count > 0) tasks.push(t);
  for (const pg of input.placementGroups ?? []) {
    if (pg.count <= 0) continue;
    if (pg.strategy === 'STRICT_PACK') {
      const sum: Resources = {};
      for (const b of pg.bundles) for (const [k, v] of Object.entries(b.resources)) sum[k] = (sum[k] ?? 0) + v * b.count;
      tasks.push({ resources: sum, count: pg.count });
    } else if (pg.strategy === 'STRICT_SPREAD') {
      spreads.push({ bundles: pg.bundles.flatMap((b) => Array.from({ length: b.count }, () => b.resources)), count: pg.count });
    } else {
      for (const b of pg.bundles) tasks.push({ resources: b.resources, count: b.count * pg.count });
    }
  }

  // 1. Infeasible: no type holds it.
  const wanted: ShapeCount[] = [];
  for (const t of tasks) (feasible(t.resources) ? wanted : infeasible).push(t);
  let onExisting = 0;

  // 2. STRICT_SPREAD groups: each bundle on its own node, free ones first, then one new worker per bundle.
  for (const sp of spreads) {
    const bad = sp.bundles.find((b) => !feasible(b));
    if (bad) {
      infeasible.push({ resources: bad, count: sp.count });
      continue;
    }
    for (let i = 0; i < sp.count; i += 1) {
      const used = new Set<number>();
      for (const b of sp.bundles) {
        const at = free.findIndex((node, j) => !used.has(j) && fitsIn(node, b) >= 1);
        if (at >= 0) {
          subtract(free[at]!, b, 1);
          used.add(at);
          onExisting += 1;
          continue;
        }
        let best: { t: WorkerTypeShape; s: Score } | null = null;
        for (const t of types) {
          if (!room(t)) continue;
          const s = utilizationScore(t.resources, [{ resources: b, count: 1 }]);
          if (s && (!best || better(s, best.s))) best = { t, s };
        }
        if (!best) {
          unmet.push({ resources: b, count: 1 });
          continue;
        }
        const node = add(best.t, [{ resources: b, count: 1 }]);
        subtract(node, b, 1);
        free.push(node);
        used.add(free.length - 1);
      }
    }
  }

  // 3. Onto the free resources of the workers already there.
  const first = packOnto(free, wanted);
  onExisting += first.placed.reduce((s, p) => s + p.count, 0);
  let residual = first.residual;

  // 4. One worker at a time, the best-scoring type.
  while (residual.length > 0) {
    let best: { t: WorkerTypeShape; s: Score } | null = null;
    for (const t of types) {
      if (!room(t)) continue;
      const s = utilizationScore(t.resources, residual);
      if (s && (!best || better(s, best.s))) best = { t, s };
    }
    if (!best) break;
    const packed = packOnto([{ ...best.t.resources }], residual);
    add(best.t, packed.placed);
    residual = packed.residual;
  }
  unmet.push(...residual);

  const launches: PackLaunch[] = types
    .filter((t) => added.get(t.name)! > 0)
    .map((t) => ({ type: t.name, count: added.get(t.name)!, reason: `for ${describeCounts([...forType.get(t.name)!.values()])}` }));
  const parts: string[] = [];
  if (launches.length > 0) parts.push(`start ${launches.map((l) => `${l.count} ${l.type} ${l.reason}`).join('; ')}`);
  if (onExisting > 0) parts.push(`${onExisting} fit the workers up or starting`);
  if (unmet.length > 0) parts.push(`no room within the worker types' max for ${describeCounts(unmet)}`);
  if (infeasible.length > 0) parts.push(`infeasible, nothing started for them: ${describeCounts(infeasible)} (no worker type holds them)`);
  return { launches, order, infeasible, unmet, onExisting, defaultType: defaultType(types, [...wanted, ...spreads.flatMap((s) => s.bundles.map((resources) => ({ resources, count: s.count })))]), reason: parts.length > 0 ? parts.join('; ') : 'nothing pending by shape' };
}

/**
 * The type started for headroom and the minimum: the first listed that holds a pending demand,
 * without GPUs unless something pending needs one; with nothing pending, the first listed type
 * without GPUs (else the first).
 */
export function defaultType(types: readonly WorkerTypeShape[], pending: readonly ShapeCount[]): string {
  const gpuWork = pending.some((d) => gpus(d.resources) > 0);
  const usable = types.filter((t) => gpuWork || gpus(t.resources) <= 0);
  const holding = usable.find((t) => pending.some((d) => holds(t.resources, d.resources)));
  return (holding ?? usable[0] ?? types[0]!).name;
}
