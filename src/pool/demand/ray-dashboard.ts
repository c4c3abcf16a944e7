import { z } from 'zod';
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

  async function list<Row>(resource: 'tasks' | 'nodes', filters: readonly RayFilter[], row: z.ZodType<Row>, limit = options.limit): Promise<RayListAnswer<Row>> {
    const url = `${base}/api/v0/${resource}?${listQuery(filters, limit, options.timeoutMs)}`;
    const where = `Ray dashboard ${base}/api/v0/${resource}`;
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
    const parsed = listResponse.safeParse((env.data.data as { result?: unknown } | undefined)?.result);
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

  return {
    url: base,
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
