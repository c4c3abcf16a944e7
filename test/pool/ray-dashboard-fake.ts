import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTask {
  task_id: string;
  state: string;
  node_id: string | null;
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
  readonly requests: URL[] = [];
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
      const rows: Array<Record<string, unknown>> = url.pathname === '/api/v0/tasks' ? this.tasks.map((t) => ({ ...t })) : url.pathname === '/api/v0/nodes' ? this.nodes.map((n) => ({ ...n })) : [];
      const keys = url.searchParams.getAll('filter_keys');
      const preds = url.searchParams.getAll('filter_predicates');
      const values = url.searchParams.getAll('filter_values');
      const limit = Number(url.searchParams.get('limit') ?? 100);
      if (limit > 10_000) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ result: false, msg: `Given limit ${limit} exceeds the supported limit 10000.`, data: {} }));
        return;
      }
      const kept = rows.slice(0, this.sourceLimit);
      const filtered = kept.filter((r) => keys.every((k, i) => (preds[i] === '=' ? String(r[k]).toLowerCase() === values[i]!.toLowerCase() : String(r[k]).toLowerCase() !== values[i]!.toLowerCase())));
      const body = { result: true, msg: '', data: { result: { total: rows.length, num_after_truncation: kept.length, num_filtered: filtered.length, result: filtered.slice(0, limit), partial_failure_warning: '', warnings: null } } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
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
    return this.tasks.filter((t) => t.state === state).length;
  }
}
