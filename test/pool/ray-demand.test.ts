import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rayCluster } from '../../src/pool/demand/ray.js';
import { rayDashboard } from '../../src/pool/demand/ray-dashboard.js';
import { host } from './builders.js';
import { RayDashboardFake } from './ray-dashboard-fake.js';

let ray: RayDashboardFake;
let url: string;

beforeEach(async () => {
  ray = new RayDashboardFake();
  url = await ray.start();
});
afterEach(async () => {
  await ray.stop();
});

function cluster(more: { limit?: number; countRunning?: boolean } = {}) {
  const dashboard = rayDashboard({ url, timeoutMs: 5_000, limit: more.limit ?? 10_000 });
  return rayCluster({ dashboard, countRunning: more.countRunning ?? false, nodeNameOf: (h) => `p-slurm-${h.id}` });
}

describe('ray demand: a dashboard that cannot be reached says why, not "fetch failed"', () => {
  it('a closed port: connection refused, with the code and address', async () => {
    const port = Number(new URL(url).port);
    await ray.stop();
    const dashboard = rayDashboard({ url: `http://127.0.0.1:${port}`, timeoutMs: 5_000, limit: 10 });
    const d = await rayCluster({ dashboard, countRunning: false, nodeNameOf: (h) => h.id }).demand.read();
    expect(d).toMatchObject({ known: false });
    expect((d as { reason: string }).reason).toContain(`Ray dashboard http://127.0.0.1:${port}/api/v0/tasks: connection refused (ECONNREFUSED 127.0.0.1:${port})`);
    ray = new RayDashboardFake();
    url = await ray.start();
  });

  it('port 1 (a port fetch refuses outright): says so', async () => {
    const dashboard = rayDashboard({ url: 'http://127.0.0.1:1', timeoutMs: 5_000, limit: 10 });
    const d = await rayCluster({ dashboard, countRunning: false, nodeNameOf: (h) => h.id }).demand.read();
    expect((d as { reason: string }).reason).toMatch(/Ray dashboard http:\/\/127\.0\.0\.1:1\/api\/v0\/tasks: fetch refuses this port/);
    expect((d as { reason: string }).reason).not.toContain('fetch failed');
  });
});

describe('ray demand: the dashboard state API', () => {
  it('asks /api/v0/tasks and /api/v0/nodes with Ray\'s own query parameters', async () => {
    ray.addPending(3);
    const d = await cluster().demand.read();
    expect(d).toEqual({ known: true, n: 3, queued: 3, inFlight: 0, source: `ray ${url}` });
    const asked = ray.requests.map((u) => `${u.pathname}?${u.searchParams.toString()}`).sort();
    expect(asked).toEqual([
      '/api/v0/nodes?filter_keys=state&filter_predicates=%3D&filter_values=ALIVE&limit=10000&timeout=5&detail=false&exclude_driver=true',
      '/api/v0/tasks?filter_keys=state&filter_predicates=%21%3D&filter_values=FINISHED&filter_keys=state&filter_predicates=%21%3D&filter_values=FAILED&filter_keys=state&filter_predicates=%21%3D&filter_values=PENDING_NODE_ASSIGNMENT&limit=10000&timeout=5&detail=false&exclude_driver=true',
      '/api/v0/tasks?filter_keys=state&filter_predicates=%3D&filter_values=PENDING_NODE_ASSIGNMENT&limit=1&timeout=5&detail=false&exclude_driver=true',
    ]);
  });

  it('100,000 pending tasks: counted from num_filtered with one row asked; the live list leaves the pending ones out', async () => {
    ray.addPendingBulk(100_000);
    const node = ray.join('p-slurm-1');
    ray.tasks.push({ task_id: 'r1', state: 'RUNNING', node_id: node });
    const c = cluster();
    expect(await c.demand.read()).toMatchObject({ known: true, n: 100_000, queued: 100_000, inFlight: 1 });
    expect(await c.probe(host('1', 'ready'))).toEqual({ ok: true, healthy: true, jobs: 1 });
    // Counts, not rows: no request lets the 100,000 pending rows through.
    expect(ray.rowsServed).toBeLessThanOrEqual(10); // two nodes, one running task, one pending row
    const pendingAsks = ray.requests.filter((u) => u.pathname === '/api/v0/tasks' && u.searchParams.getAll('filter_values').includes('PENDING_NODE_ASSIGNMENT'));
    expect(pendingAsks.map((u) => [u.searchParams.getAll('filter_predicates').at(-1), u.searchParams.get('limit')])).toEqual(expect.arrayContaining([['=', '1'], ['!=', '10000']]));
  });

  it('a truncated answer still gives the right n: num_filtered, not the rows that came back', async () => {
    ray.addPending(250);
    ray.tasks.push(...Array.from({ length: 40 }, (_, i) => ({ task_id: `f${i}`, state: 'FINISHED', node_id: 'x' })));
    const d = await cluster({ limit: 100 }).demand.read();
    expect(d).toMatchObject({ known: true, n: 250, queued: 250 });
  });

  it('running tasks count in n only with countRunning; they are always the in-flight figure', async () => {
    ray.addPending(5);
    const node = ray.join('p-slurm-7');
    ray.tasks.push({ task_id: 'r1', state: 'RUNNING', node_id: node }, { task_id: 'r2', state: 'RUNNING', node_id: node });
    expect(await cluster().demand.read()).toMatchObject({ n: 5, queued: 5, inFlight: 2 });
    expect(await cluster({ countRunning: true }).demand.read()).toMatchObject({ n: 7, queued: 5, inFlight: 2 });
  });

  it.each([
    ['down', /^Ray dashboard http:\/\/127\.0\.0\.1:\d+\/api\/v0\/(tasks|nodes): /],
    ['garbage', /: HTTP 200, not JSON$/],
    ['failed', /: HTTP 500: Failed to query the GCS: Deadline Exceeded$/],
  ] as const)('a dashboard that is %s: demand unknown, with the reason', async (mode, reason) => {
    ray.mode = mode;
    const d = await cluster().demand.read();
    expect(d.known).toBe(false);
    expect(!d.known && d.reason).toMatch(reason);
  });

  it('a list cut at the data source with nothing pending seen: unknown, never 0', async () => {
    ray.tasks.push(...Array.from({ length: 10 }, (_, i) => ({ task_id: `f${i}`, state: 'FINISHED', node_id: 'x' })));
    ray.addPending(3);
    ray.sourceLimit = 10;
    const d = await cluster().demand.read();
    expect(d).toMatchObject({ known: false, reason: 'the dashboard cut its task list at the source: cannot tell whether tasks are pending' });
  });

  it('the probe: alive node with its tasks, idle node, no node (unhealthy), dashboard down (no answer)', async () => {
    const busy = ray.join('p-slurm-1');
    ray.join('p-slurm-2');
    ray.tasks.push({ task_id: 'r1', state: 'RUNNING', node_id: busy }, { task_id: 'r2', state: 'PENDING_ARGS_FETCH', node_id: busy }, { task_id: 'r3', state: 'FINISHED', node_id: busy });
    const c = cluster();
    await c.demand.read();
    expect(await c.probe(host('1', 'ready'))).toEqual({ ok: true, healthy: true, jobs: 2 });
    expect(await c.probe(host('2', 'ready'))).toEqual({ ok: true, healthy: true, jobs: 0 });
    expect(await c.probe(host('3', 'launching'))).toEqual({ ok: true, healthy: false, jobs: 0, note: 'no alive Ray node named p-slurm-3' });
    ray.die('p-slurm-2');
    ray.mode = 'down';
    // Host 2 asked a second time: a new look, which fails: no answer rather than a guess.
    expect(await c.probe(host('2', 'ready'))).toBeNull();
  });

  it('one look serves the demand and the probes of a tick; a host asked again gets a fresh look', async () => {
    const n = ray.join('p-slurm-1');
    const c = cluster();
    await c.demand.read();
    expect(ray.requests).toHaveLength(3);
    expect(await c.probe(host('1', 'ready'))).toMatchObject({ jobs: 0 });
    expect(ray.requests).toHaveLength(3);
    ray.tasks.push({ task_id: 'late', state: 'RUNNING', node_id: n });
    expect(await c.probe(host('1', 'draining'))).toMatchObject({ jobs: 1 });
    expect(ray.requests).toHaveLength(6);
  });

  it('a task list too long to see whole: no node is known to be idle', async () => {
    const n = ray.join('p-slurm-1');
    ray.tasks.push(...Array.from({ length: 5 }, (_, i) => ({ task_id: `r${i}`, state: 'RUNNING', node_id: i === 4 ? n : 'other' })));
    const c = cluster({ limit: 3 });
    await c.demand.read();
    expect(await c.probe(host('1', 'ready'))).toBeNull();
  });
});
