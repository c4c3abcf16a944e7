import { z } from '../../runtime/zod.js';
import { describeIssues } from '../../evalai/validate.js';
import { describeFetchError } from '../../runtime/fetch-error.js';
import { formatDuration } from '../../runtime/duration.js';

/**
 * The Ray dashboard's state API over HTTP (`GET /api/v0/{tasks,nodes}`), as Ray's own source has
 * it (python/ray/dashboard/state_api_utils.py `options_from_req` and `handle_list_api`,
 * python/ray/dashboard/optional_utils.py `rest_response`, python/ray/util/state/common.py
 * `ListApiResponse`, `TaskState`, `NodeState`):
 *
 *   query:    filter_keys, filter_predicates ("=" or "!="), filter_values (repeated, zipped in
 *             order), limit (at most RAY_MAX_LIMIT_FROM_API_SERVER, 10,000 by default), timeout
 *             (seconds), detail, exclude_driver
 *   envelope: {"result": true|false, "msg": "...", "data": {"result": ListApiResponse}}
 *   ListApiResponse: {"total", "num_after_truncation", "num_filtered", "result": [rows],
 *                     "partial_failure_warning", "warnings"}
 *
 * The counts funnel: total (all the data source holds) -> num_after_truncation (the data source
 * cut) -> num_filtered (after the filters) -> len(result) (after `limit`). So the number of rows
 * matching a filter is num_filtered, whatever `limit` let through. Ray versions before
 * num_filtered existed only had `total`, which then is the count.
 */
export interface RayListAnswer<Row> {
  rows: Row[];
  /** The rows matching the filters, however many came back. */
  matching: number;
  /** True when the data source itself cut the list: `matching` is then a lower bound. */
  sourceTruncated: boolean;
}

export interface RayFilter {
  key: string;
  predicate: '=' | '!=';
  value: string;
}

export interface RayDashboardOptions {
  url: string;
  timeoutMs: number;
  limit: number;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

const listResponse = z.object({
  total: z.number().int().nonnegative(),
  num_after_truncation: z.number().int().nonnegative().optional(),
  num_filtered: z.number().int().nonnegative().optional(),
  result: z.array(z.unknown()),
});

const envelope = z.object({
  result: z.boolean(),
  msg: z.string().optional(),
  data: z.unknown().optional(),
});

export const taskRow = z.object({
  task_id: z.string().optional(),
  state: z.string(),
  node_id: z.string().nullish(),
});
export type RayTask = z.infer<typeof taskRow>;

export const nodeRow = z.object({
  node_id: z.string(),
  state: z.string(),
  node_name: z.string().nullish(),
  node_ip: z.string().nullish(),
  is_head_node: z.boolean().optional(),
});
export type RayNode = z.infer<typeof nodeRow>;

/**
 * `GET /api/cluster_status` (python/ray/dashboard/modules/reporter/reporter_head.py): the Ray
 * monitor's status as it writes it to the GCS every few seconds, keys turned to camelCase by the
 * dashboard's rest_response (the lists inside are left as they are):
 *
 *   data.clusterStatus.loadMetricsReport (python/ray/autoscaler/_private/load_metrics.py summary()):
 *     resourceDemand: [[{"CPU": 1, "GPU": 1}, 12], ...]   tasks and actors waiting, by shape
 *     pgDemand: [[{"bundles": [[{"CPU": 4}, 2]], "strategy": "STRICT_PACK"}, 1], ...]
 *     usageByNode: {"10.0.0.5": {"CPU": [used, total], ...}} (or null)
 *
 * The monitor runs on every head started with `ray start --head`, autoscaler or not.
 */
const shape = z.record(z.string(), z.number().nonnegative());
const counted = <T extends z.ZodType>(t: T) => z.tuple([t, z.number().int().nonnegative()]);
const pgShape = z.object({ bundles: z.array(counted(shape)), strategy: z.string() });
const usage = z.record(z.string(), z.record(z.string(), z.tuple([z.number(), z.number()])));
const loadMetricsReport = z.object({
  resourceDemand: z.array(counted(shape)).optional(),
  resource_demand: z.array(counted(shape)).optional(),
  pgDemand: z.array(counted(pgShape)).optional(),
  pg_demand: z.array(counted(pgShape)).optional(),
  usageByNode: usage.nullish(),
  usage_by_node: usage.nullish(),
});

export interface RayLoadMetrics {
  /** Tasks and actors waiting for resources, by shape. */
  demand: Array<{ resources: Record<string, number>; count: number }>;
  placementGroups: Array<{ strategy: string; bundles: Array<{ resources: Record<string, number>; count: number }>; count: number }>;
  /** Free resources per node IP (total - used), or null when the monitor does not report per node. */
  freeByNode: Map<string, Record<string, number>> | null;
}

function pick(o: unknown, camel: string, snake: string): unknown {
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  return r[camel] ?? r[snake];
}

export class RayDashboardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RayDashboardError';
  }
}

/** The query string of a list call, in Ray's parameter names. */
export function listQuery(filters: readonly RayFilter[], limit: number, timeoutMs: number): string {
  const q = new URLSearchParams();
  for (const f of filters) {
    q.append('filter_keys', f.key);
    q.append('filter_predicates', f.predicate);
    q.append('filter_values', f.value);
  }
  q.set('limit', String(limit));
  q.set('timeout', String(Math.max(1, Math.floor(timeoutMs / 1000))));
  q.set('detail', 'false');
  q.set('exclude_driver', 'true');
  return q.toString();
}

export function rayDashboard(options: RayDashboardOptions) {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;

  /** The envelope's data of one GET, or a RayDashboardError naming where and why. */
  async function get(url: string, where: string): Promise<unknown> {
    let status: number;
    let body: string;
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: 'application/json' } });
      status = res.status;
      body = await res.text();
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new RayDashboardError(`${where}: no answer within ${formatDuration(options.timeoutMs)}`);
      throw new RayDashboardError(`${where}: ${describeFetchError(err)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new RayDashboardError(`${where}: HTTP ${status}, not JSON`);
    }
    const env = envelope.safeParse(json);
    if (!env.success) throw new RayDashboardError(`${where}: HTTP ${status}, not the state API envelope (${describeIssues(env.error)})`);
    if (!env.data.result || status < 200 || status > 299) {
      throw new RayDashboardError(`${where}: HTTP ${status}: ${(env.data.msg ?? '').slice(0, 300) || 'failed without a message'}`);
    }
    return env.data.data;
  }

  async function list<Row>(resource: 'tasks' | 'nodes', filters: readonly RayFilter[], row: z.ZodType<Row>, limit = options.limit): Promise<RayListAnswer<Row>> {
    const where = `Ray dashboard ${base}/api/v0/${resource}`;
    const data = await get(`${base}/api/v0/${resource}?${listQuery(filters, limit, options.timeoutMs)}`, where);
    const parsed = listResponse.safeParse((data as { result?: unknown } | undefined)?.result);
    if (!parsed.success) throw new RayDashboardError(`${where}: data.result is not a list answer (${describeIssues(parsed.error)})`);
    const rows: Row[] = [];
    for (const [i, r] of parsed.data.result.entries()) {
      const one = row.safeParse(r);
      if (!one.success) throw new RayDashboardError(`${where}: row ${i}: ${describeIssues(one.error)}`);
      rows.push(one.data);
    }
    const d = parsed.data;
    const matching = Math.max(rows.length, d.num_filtered ?? d.total);
    const sourceTruncated = d.num_after_truncation !== undefined && d.num_after_truncation < d.total;
    return { rows, matching, sourceTruncated };
  }

  /** The Ray monitor's load metrics, aggregated by shape: no task rows. */
  async function loadMetrics(): Promise<RayLoadMetrics> {
    const where = `Ray dashboard ${base}/api/cluster_status`;
    const data = await get(`${base}/api/cluster_status`, where);
    const status = pick(data, 'clusterStatus', 'cluster_status');
    if (status === null || status === undefined) throw new RayDashboardError(`${where}: no cluster status yet (the Ray monitor on the head writes it every few seconds)`);
    const report = pick(status, 'loadMetricsReport', 'load_metrics_report');
    const parsed = loadMetricsReport.safeParse(report);
    if (!parsed.success) throw new RayDashboardError(`${where}: clusterStatus.loadMetricsReport is not Ray's load metrics (${describeIssues(parsed.error)})`);
    const r = parsed.data;
    const demand = (r.resourceDemand ?? r.resource_demand ?? []).map(([resources, count]) => ({ resources, count }));
    const placementGroups = (r.pgDemand ?? r.pg_demand ?? []).map(([pg, count]) => ({ strategy: pg.strategy, bundles: pg.bundles.map(([resources, n]) => ({ resources, count: n })), count }));
    const byNode = r.usageByNode ?? r.usage_by_node ?? null;
    const freeByNode = byNode ? new Map(Object.entries(byNode).map(([ip, usage]) => [ip, Object.fromEntries(Object.entries(usage).map(([k, [used, total]]) => [k, Math.max(0, total - used)]))])) : null;
    return { demand, placementGroups, freeByNode };
  }

  return {
    url: base,
    loadMetrics,
    /**
     * Tasks waiting for a node: what the pool sizes for. Only their number is needed, so one row is
     * asked for (`limit=1`) and the count is num_filtered: 100,000 pending tasks cost one row.
     */
    pendingTasks: () => list('tasks', [{ key: 'state', predicate: '=', value: 'PENDING_NODE_ASSIGNMENT' }], taskRow, 1),
    /**
     * Tasks not finished, failed or waiting for a node: those with a node_id hold that node. The
     * pending ones are left out, so a backlog does not fill the list (and cut it) before a placed task shows.
     */
    liveTasks: () =>
      list(
        'tasks',
        [
          { key: 'state', predicate: '!=', value: 'FINISHED' },
          { key: 'state', predicate: '!=', value: 'FAILED' },
          { key: 'state', predicate: '!=', value: 'PENDING_NODE_ASSIGNMENT' },
        ],
        taskRow,
      ),
    aliveNodes: () => list('nodes', [{ key: 'state', predicate: '=', value: 'ALIVE' }], nodeRow),
  };
}

export type RayDashboard = ReturnType<typeof rayDashboard>;
