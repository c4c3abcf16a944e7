import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTask {
  task_id: string;
  state: string;
  node_id: string | null;
  /** What the task asks of a node (Ray's required_resources); {CPU: 1} when absent. */
  resources?: Record<string, number>;
}
/** Many tasks alike, kept as one count: rows are made only for what a request lets through. */
export interface FakeTaskGroup {
  state: string;
  count: number;
  resources: Record<string, number>;
}
/** A placement group waiting for resources, as Ray's load metrics summarise it. */
export interface FakePlacementGroup {
  strategy: 'PACK' | 'SPREAD' | 'STRICT_PACK' | 'STRICT_SPREAD';
  bundles: Array<Record<string, number>>;
}
export interface FakeNode {
  node_id: string;
  node_name: string;
  node_ip: string;
  state: 'ALIVE' | 'DEAD';
  is_head_node: boolean;
}

/**
 * A fake Ray dashboard on 127.0.0.1: `GET /api/v0/tasks` and `/api/v0/nodes` with Ray's query
 * parameters (filter_keys / filter_predicates / filter_values, zipped; limit) and its envelope
 * ({result, msg, data: {result: {total, num_after_truncation, num_filtered, result}}}). `mode`
 * makes it drop connections, answer garbage or a failed envelope. `sourceLimit` cuts the data
 * source like RAY_MAX_LIMIT_FROM_DATA_SOURCE. Every request URL is recorded.
 */
export class RayDashboardFake {
  tasks: FakeTask[] = [];
  nodes: FakeNode[] = [{ node_id: 'head', node_name: '10.0.0.1', node_ip: '10.0.0.1', state: 'ALIVE', is_head_node: true }];
  mode: 'ok' | 'down' | 'garbage' | 'failed' = 'ok';
  sourceLimit = Infinity;
  /** Tasks kept as counts (addPendingBulk). */
  groups: FakeTaskGroup[] = [];
  pendingPlacementGroups: FakePlacementGroup[] = [];
  /** Per node IP: [used, total] per resource, as load_metrics_report.usage_by_node; null leaves it out. */
  usageByNode: Record<string, Record<string, [number, number]>> | null = {};
  /** `/api/cluster_status` answers with no load metrics (the Ray monitor has not written any). */
  noLoadMetrics = false;
  readonly requests: URL[] = [];
  /** Task and node rows sent in all answers. */
  rowsServed = 0;
  private server: Server | undefined;
  private seq = 0;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requests.push(url);
      if (this.mode === 'down') {
        req.socket.destroy();
        return;
      }
      if (this.mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
        return;
      }
      if (this.mode === 'failed') {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ result: false, msg: 'Failed to query the GCS: Deadline Exceeded', data: {} }));
        return;
      }
      if (url.pathname === '/api/cluster_status') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.clusterStatus()));
        return;
      }
      const keys = url.searchParams.getAll('filter_keys');
      const preds = url.searchParams.getAll('filter_predicates');
      const values = url.searchParams.getAll('filter_values');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      if (limit > 10_000) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ result: false, msg: `Given limit ${limit} exceeds the supported limit 10000.`, data: {} }));
        return;
      }
      const matches = (r: Record<string, unknown>): boolean => keys.every((k, i) => (preds[i] === '=' ? String(r[k]).toLowerCase() === values[i]!.toLowerCase() : String(r[k]).toLowerCase() !== values[i]!.toLowerCase()));
      let total: number;
      let kept: number;
      let numFiltered = 0;
      const out: Array<Record<string, unknown>> = [];
      if (url.pathname === '/api/v0/tasks') {
        // The rows one at a time (a group's made only while the limit lets them through), cut at the source like Ray.
        total = this.tasks.length + this.groups.reduce((s, g) => s + g.count, 0);
        kept = Math.min(total, this.sourceLimit);
        let seen = 0;
        for (const t of this.tasks) {
          if (seen >= kept) break;
          seen += 1;
          if (!matches({ ...t })) continue;
          numFiltered += 1;
          if (out.length < limit) out.push({ task_id: t.task_id, state: t.state, node_id: t.node_id });
        }
        for (const g of this.groups) {
          const n = Math.min(g.count, kept - seen);
          if (n <= 0) break;
          seen += n;
          if (!matches({ state: g.state, node_id: null })) continue;
          numFiltered += n;
          for (let i = 0; i < n && out.length < limit; i += 1) out.push({ task_id: `g${i}`, state: g.state, node_id: null });
        }
      } else {
        const rows: Array<Record<string, unknown>> = url.pathname === '/api/v0/nodes' ? this.nodes.map((n) => ({ ...n })) : [];
        total = rows.length;
        const cut = rows.slice(0, this.sourceLimit);
        kept = cut.length;
        const filtered = cut.filter(matches);
        numFiltered = filtered.length;
        out.push(...filtered.slice(0, limit));
      }
      this.rowsServed += out.length;
      const body = { result: true, msg: '', data: { result: { total, num_after_truncation: kept, num_filtered: numFiltered, result: out, partial_failure_warning: '', warnings: null } } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** `n` pending tasks asking `resources`, kept as one count (100,000 cost nothing). */
  addPendingBulk(n: number, resources: Record<string, number> = { CPU: 1 }): void {
    this.groups.push({ state: 'PENDING_NODE_ASSIGNMENT', count: n, resources });
  }

  /**
   * `GET /api/cluster_status` as Ray's dashboard answers it (reporter_head.py get_cluster_status:
   * rest_response turns the keys to camelCase): the Ray monitor's load_metrics_report, with the
   * pending demand by shape (resource_demand: [[shape, count]]), the pending placement groups
   * (pg_demand: [[{bundles: [[shape, count]], strategy}, count]]) and usage_by_node.
   */
  clusterStatus(): unknown {
    if (this.noLoadMetrics) return { result: true, msg: 'Got cluster status.', data: { autoscalingStatus: null, autoscalingError: null, clusterStatus: null } };
    const demand = new Map<string, [Record<string, number>, number]>();
    const count = (r: Record<string, number>, n: number): void => {
      const key = JSON.stringify(Object.entries(r).sort());
      const had = demand.get(key);
      if (had) had[1] += n;
      else demand.set(key, [r, n]);
    };
    for (const t of this.tasks) if (t.state === 'PENDING_NODE_ASSIGNMENT') count(t.resources ?? { CPU: 1 }, 1);
    for (const g of this.groups) if (g.state === 'PENDING_NODE_ASSIGNMENT') count(g.resources, g.count);
    const pgDemand = this.pendingPlacementGroups.map((pg) => [{ bundles: pg.bundles.map((b) => [b, 1]), strategy: pg.strategy }, 1]);
    return {
      result: true,
      msg: 'Got cluster status.',
      data: {
        autoscalingStatus: null,
        autoscalingError: null,
        clusterStatus: {
          gcsRequestTime: 0.001,
          loadMetricsReport: { usage: {}, resourceDemand: [...demand.values()], pgDemand, requestDemand: [], nodeTypes: [], usageByNode: this.usageByNode },
          time: 1_764_417_600,
          monitorPid: 4242,
        },
      },
    };
  }

  addPending(n: number): void {
    for (let i = 0; i < n; i += 1) this.tasks.push({ task_id: `t${(this.seq += 1)}`, state: 'PENDING_NODE_ASSIGNMENT', node_id: null });
  }

  /** A worker's Ray node registers (ray start --node-name=<name>). */
  join(name: string): string {
    const existing = this.nodes.find((n) => n.node_name === name && n.state === 'ALIVE');
    if (existing) return existing.node_id;
    const id = `node-${(this.seq += 1)}`;
    this.nodes.push({ node_id: id, node_name: name, node_ip: `10.0.1.${this.seq % 250}`, state: 'ALIVE', is_head_node: false });
    return id;
  }

  die(name: string): void {
    for (const n of this.nodes) if (n.node_name === name) n.state = 'DEAD';
  }

  /** Ray places pending tasks on alive worker nodes, `perNode` at most each. */
  schedule(perNode: number): void {
    for (const n of this.nodes.filter((x) => x.state === 'ALIVE' && !x.is_head_node)) {
      let busy = this.tasks.filter((t) => t.node_id === n.node_id && t.state === 'RUNNING').length;
      for (const t of this.tasks) {
        if (busy >= perNode) break;
        if (t.state !== 'PENDING_NODE_ASSIGNMENT') continue;
        Object.assign(t, { state: 'RUNNING', node_id: n.node_id });
        busy += 1;
      }
    }
  }

  /** Every running task finishes. */
  finishRunning(): void {
    for (const t of this.tasks) if (t.state === 'RUNNING') t.state = 'FINISHED';
  }

  count(state: string): number {
    return this.tasks.filter((t) => t.state === state).length + this.groups.filter((g) => g.state === state).reduce((s, g) => s + g.count, 0);
  }
}
