// Fakes for the bench's `pool` section (scripts/bench.js), in plain JavaScript because the bench
// runs on the built code without a TypeScript loader (test/fakes/ are TypeScript). Each answers
// from answers computed once ("replayed"), so that a tick's time is the tool's own: an EC2 + SQS
// endpoint, health probes on loopback addresses, a SLURM (squeue/sbatch/scancel as shell scripts
// over prepared output), and a Ray dashboard. Every one listens on 127.x.x.x only.
import { createServer } from 'node:http';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';
import { URLSearchParams } from 'node:url';

export const POOL_TAG = 'evalai-autoscaler:pool';
const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const now = () => Number(process.hrtime.bigint()) / 1e6;

function listen(server, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server.address().port));
  });
}

function close(server) {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Host i's private address: 127.1.0.1, 127.1.0.2, ... (loopback: the probe fake listens on each). */
export const hostIp = (i) => `127.1.${(i + 1) >> 8}.${(i + 1) & 255}`;
export const hostId = (i) => `i-${(0x1000000 + i).toString(16).padStart(17, '0')}`;

/**
 * EC2 (Query protocol, XML) and SQS (JSON protocol) on one port: DescribeInstances answers the
 * pool's `hosts` (states from `stateOf(i)`), in pages of MaxResults, the same bytes every time;
 * GetQueueAttributes answers `queued`; CreateTags and TerminateInstances answer success.
 * `requests`: {action, at (ms, hrtime)} of every request, in arrival order.
 */
export async function startCloudFake({ pool, hosts, queued, stateOf = () => 'ready', since = new Date(Date.now() - 3_600_000) }) {
  const requests = [];
  const launched = new Date(since.getTime() - 60_000).toISOString();
  const items = Array.from({ length: hosts }, (_, i) =>
    `<item><instanceId>${hostId(i)}</instanceId><imageId>ami-0bench</imageId><instanceState><code>16</code><name>running</name></instanceState>` +
      `<privateDnsName>ip-${hostIp(i).replace(/\./g, '-')}.ec2.internal</privateDnsName><instanceType>c5.large</instanceType><launchTime>${launched}</launchTime>` +
      `<placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy></placement><privateIpAddress>${hostIp(i)}</privateIpAddress>` +
      `<tagSet><item><key>${POOL_TAG}</key><value>${esc(pool)}</value></item><item><key>evalai-autoscaler:state</key><value>${stateOf(i)}</value></item>` +
      `<item><key>evalai-autoscaler:state-since</key><value>${since.toISOString()}</value></item></tagSet></item>`,
  );
  const pages = new Map();
  const describe = (max, token) => {
    const key = `${max}|${token}`;
    if (!pages.has(key)) {
      const start = token ? Number(token.slice(5)) : 0;
      const page = items.slice(start, start + max);
      const next = start + max < items.length ? `<nextToken>page-${start + max}</nextToken>` : '';
      pages.set(key, `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="${EC2_NS}"><requestId>bench</requestId><reservationSet>` +
        (page.length ? `<item><reservationId>r-bench${start}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${page.join('')}</instancesSet></item>` : '') +
        `</reservationSet>${next}</DescribeInstancesResponse>`);
    }
    return pages.get(key);
  };
  const sqsBody = JSON.stringify({ Attributes: { ApproximateNumberOfMessages: String(queued), ApproximateNumberOfMessagesNotVisible: '0' } });
  const server = createServer((req, res) => {
    const at = now();
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        requests.push({ action: target.split('.').pop(), at });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(sqsBody);
        return;
      }
      const p = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const action = p.get('Action') ?? '';
      requests.push({ action, at });
      let body;
      if (action === 'DescribeInstances') {
        const ids = [...p.entries()].filter(([k]) => /^InstanceId\.\d+$/.test(k) || /^Filter\.\d+\.Value\.\d+$/.test(k)).map(([, v]) => v).filter((v) => v.startsWith('i-'));
        if (ids.length > 0) {
          // A re-list of named instances (before a terminate): those only, as EC2 answers.
          const wanted = new Set(ids);
          const rows = items.filter((_, i) => wanted.has(hostId(i)));
          body = `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="${EC2_NS}"><requestId>bench</requestId><reservationSet><item><reservationId>r-re</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${rows.join('')}</instancesSet></item></reservationSet></DescribeInstancesResponse>`;
        } else body = describe(Number(p.get('MaxResults') ?? 1000), p.get('NextToken') ?? '');
      } else if (action === 'TerminateInstances') {
        const ids = [...p.entries()].filter(([k]) => /^InstanceId\.\d+$/.test(k)).map(([, v]) => v);
        body = `<?xml version="1.0" encoding="UTF-8"?>\n<TerminateInstancesResponse xmlns="${EC2_NS}"><requestId>bench</requestId><instancesSet>${ids.map((id) => `<item><instanceId>${id}</instanceId><currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>16</code><name>running</name></previousState></item>`).join('')}</instancesSet></TerminateInstancesResponse>`;
      } else {
        body = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NS}"><requestId>bench</requestId><return>true</return></${action}Response>`;
      }
      res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' }).end(body);
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, close: () => close(server) };
}

/**
 * Health probes: one small server per host on its own loopback address (hostIp(i)), so each probe
 * is a connection to another host, as in a pool. Each answers `{"healthy": true, "jobs": jobsOf(i)}`
 * after `latencyMs`. `requests`: {host, at, done} (ms, hrtime) of every probe.
 */
export async function startProbeFake({ hosts, latencyMs = 0, jobsOf = () => 1 }) {
  const requests = [];
  const servers = [];
  let port = 0;
  for (let i = 0; i < hosts; i++) {
    const body = JSON.stringify({ healthy: true, jobs: jobsOf(i) });
    const server = createServer((req, res) => {
      const r = { host: i, at: now(), done: 0 };
      requests.push(r);
      req.resume();
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        r.done = now();
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
    // The same port on every address: the first one picks it.
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, hostIp(i), () => resolve());
    });
    port = server.address().port;
    servers.push(server);
  }
  return { template: `http://{privateIp}:${port}/status`, requests, close: () => Promise.all(servers.map(close)) };
}

/**
 * SLURM as shell scripts over prepared output: squeue --json lists `poolJobs` running jobs of the
 * pool and `otherJobs` other jobs of the same user (only the pool's when asked with --name);
 * sbatch answers a job id; scancel succeeds. Each call appends "<command> <epoch ns>" to `calls`.
 */
export function makeSlurmFake(dir, { pool, user, poolJobs, otherJobs }) {
  mkdirSync(dir, { recursive: true });
  const nowS = Math.floor(Date.now() / 1000);
  const t = (n) => ({ set: n > 0, infinite: false, number: n });
  const job = (id, name, comment) => ({ job_id: id, name, comment, user_name: user, job_state: ['RUNNING'], submit_time: t(nowS - 600), start_time: t(nowS - 500), end_time: t(nowS + 3000), nodes: `node${id}` });
  const mine = Array.from({ length: poolJobs }, (_, i) => job(5000 + i, `${pool}-worker`, `evalai-autoscaler:pool=${pool} type=cpu`));
  const others = Array.from({ length: otherJobs }, (_, i) => job(100_000 + i, `analysis-${i}`, ''));
  const doc = (jobs) => JSON.stringify({ jobs, meta: { plugin: { type: 'openapi/v0.0.40' } }, errors: [] });
  writeFileSync(join(dir, 'all.json'), doc([...mine, ...others]));
  writeFileSync(join(dir, 'pool.json'), doc(mine));
  const calls = join(dir, 'calls');
  const script = (name, body) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho "${name} $(date +%s%N)" >> '${calls}'\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const paths = {
    squeue: script('squeue', `case " $* " in *" --name"*) exec cat '${join(dir, 'pool.json')}';; esac\nexec cat '${join(dir, 'all.json')}'`),
    sbatch: script('sbatch', 'cat > /dev/null; echo 99999'),
    scancel: script('scancel', 'exit 0'),
    sacct: script('sacct', 'exit 0'),
  };
  return { paths, calls, jobIds: mine.map((j) => String(j.job_id)) };
}

/**
 * The Ray dashboard's state API (GET /api/v0/tasks and /api/v0/nodes, Ray's filters, limit and
 * envelope, as test/pool/ray-dashboard-fake.ts) over `pending` pending tasks, `running` tasks on
 * the nodes named `nodeNames`, and those nodes alive. An answer is computed once per URL.
 */
export async function startRayFake({ pending, nodeNames, runningPerNode = 1 }) {
  const nodes = [{ node_id: 'head', node_name: '10.0.0.1', node_ip: '10.0.0.1', state: 'ALIVE', is_head_node: true }, ...nodeNames.map((name, i) => ({ node_id: `n${i}`, node_name: name, node_ip: `10.0.1.${i % 250}`, state: 'ALIVE', is_head_node: false }))];
  const tasks = [];
  for (let i = 0; i < pending; i++) tasks.push({ task_id: `p${i}`, state: 'PENDING_NODE_ASSIGNMENT', node_id: null });
  nodeNames.forEach((_, n) => {
    for (let k = 0; k < runningPerNode; k++) tasks.push({ task_id: `r${n}-${k}`, state: 'RUNNING', node_id: `n${n}` });
  });
  const answers = new Map();
  const requests = [];
  const answer = (url) => {
    const rows = url.pathname === '/api/v0/tasks' ? tasks : url.pathname === '/api/v0/nodes' ? nodes : [];
    const keys = url.searchParams.getAll('filter_keys');
    const preds = url.searchParams.getAll('filter_predicates');
    const values = url.searchParams.getAll('filter_values');
    const limit = Number(url.searchParams.get('limit') ?? 100);
    if (limit > 10_000) return { status: 400, body: JSON.stringify({ result: false, msg: `Given limit ${limit} exceeds the supported limit 10000.`, data: {} }) };
    const filtered = rows.filter((r) => keys.every((k, i) => (preds[i] === '=' ? String(r[k]).toLowerCase() === values[i].toLowerCase() : String(r[k]).toLowerCase() !== values[i].toLowerCase())));
    return { status: 200, body: JSON.stringify({ result: true, msg: '', data: { result: { total: rows.length, num_after_truncation: rows.length, num_filtered: filtered.length, result: filtered.slice(0, limit), partial_failure_warning: '', warnings: null } } }) };
  };
  const server = createServer((req, res) => {
    requests.push({ url: req.url, at: now() });
    if (!answers.has(req.url)) answers.set(req.url, answer(new URL(req.url, 'http://127.0.0.1')));
    const a = answers.get(req.url);
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, answerBytes: () => [...answers.values()].reduce((s, a) => s + a.body.length, 0), close: () => close(server) };
}
