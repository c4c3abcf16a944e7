import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CreateTagsCommand, DescribeInstancesCommand, DescribeSpotPriceHistoryCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { acquireLock, lockFileOf } from '../../src/runtime/lock.js';
import { fileRunTargetKey } from '../../src/runtime/run-target.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { Ec2Fake } from '../pool/ec2-fake.js';
import { statusRows } from '../../src/pool/status.js';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
const POOL_TAG = 'evalai-autoscaler:pool';
const STATE_TAG = 'evalai-autoscaler:state';
const SINCE_TAG = 'evalai-autoscaler:state-since';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue';
const OTHER_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/workspaces';
const HOUR = 3_600_000;

/** Seed 002's pool (SQS, explicit launch, GPU types, min 1 max 5) and seed 003's (launch template, 8 jobs a host); both launch through RunInstances (lowest-price-order), which these tests are about. */
const trainers = {
  name: 'trainers',
  demand: { type: 'sqs', queueUrl: QUEUE },
  backend: { type: 'ec2', region: 'us-east-1', allocation: 'lowest-price-order', launch: { imageId: 'ami-0123456789abcdef', subnetIds: ['subnet-abcdef123456'], securityGroupIds: ['sg-123456abcdef'] }, instanceTypes: ['g4dn.xlarge'], market: 'on-demand' },
  policy: { minHosts: 1, maxHosts: 5, jobsPerHost: 2 },
};
const workspaces = {
  name: 'workspaces',
  demand: { type: 'sqs', queueUrl: OTHER_QUEUE },
  backend: { type: 'ec2', region: 'us-east-1', allocation: 'lowest-price-order', launchTemplate: { name: 'workspace-host' }, market: 'on-demand' },
  policy: { minHosts: 2, maxHosts: 40, jobsPerHost: 8 },
};

let dir: string;
let stateDir: string;
let fake: Ec2Fake;
const queues = new Map<string, { visible: number; notVisible: number } | 'throttled'>();

function poolFile(pools: unknown[]): string {
  const path = join(dir, 'pool.json');
  writeFileSync(path, JSON.stringify({ pools }));
  return path;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  logs: Array<Record<string, unknown>>;
}

/** The real CLI entry in this process, with an EventEmitter for signals and an instant sleep. */
async function cli(argv: string[], opts: { signals?: EventEmitter; onStdout?: (chunk: string) => void; env?: Record<string, string>; sleep?: (ms: number) => Promise<void> } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let sleeps = 0;
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const code = await main(['scale-pool', ...argv], {
    stdout: sink((s) => {
      stdout += s;
      opts.onStdout?.(s);
    }),
    stderr: sink((s) => (stderr += s)),
    env: { HOME: dir, EVALAI_AUTOSCALER_STATE_DIR: stateDir, ...opts.env },
    // Instant, but a daemon that never stops parks after 20 sleeps and fails by the test timeout (no spin).
    sleep: opts.sleep ?? (() => (++sleeps > 20 ? new Promise(() => undefined) : Promise.resolve())),
    ...(opts.signals ? { signals: opts.signals } : {}),
  });
  const logs = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, logs };
}

const statusFile = (): Record<string, unknown> => {
  const name = readdirSync(stateDir).find((f) => f.endsWith('.status.json'));
  if (!name) throw new Error('no status file');
  return JSON.parse(readFileSync(join(stateDir, name), 'utf8')) as Record<string, unknown>;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scale-pool-'));
  stateDir = join(dir, 'state');
  ec2Mock.reset();
  sqsMock.reset();
  fake = new Ec2Fake();
  fake.now = Date.now();
  fake.install(ec2Mock);
  queues.clear();
  sqsMock.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
    const q = queues.get(input.QueueUrl) ?? { visible: 0, notVisible: 0 };
    if (q === 'throttled') return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    return Promise.resolve({ Attributes: { ApproximateNumberOfMessages: String(q.visible), ApproximateNumberOfMessagesNotVisible: String(q.notVisible) } });
  });
});
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
});

describe('scale-pool run', () => {
  it('launches for the queue (n + 2√n, jobs per host), logs each move with its reason, writes status and state files', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const file = poolFile([trainers]);
    const r = await cli(['run', '--config', file]);
    expect(r.code).toBe(0);
    // 2 + 2√2 = 4.83 jobs at 2 a host: 3 hosts.
    expect(fake.live('trainers')).toHaveLength(3);
    const run = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(run).toMatchObject({ MinCount: 1, MaxCount: 3, ImageId: 'ami-0123456789abcdef', InstanceType: 'g4dn.xlarge', SubnetId: 'subnet-abcdef123456' });
    expect(r.stdout).toContain('pool trainers: demand 2 (sqs training-queue: 2 queued, 0 in flight)');
    expect(r.stdout).toMatch(/desired: 3 hosts: /);
    expect(r.stdout).toContain('launch 3, drain 0, terminate 0; hosts before: no hosts');
    const launchLine = r.logs.find((l) => l.pool === 'trainers' && Array.isArray(l.launched));
    expect(launchLine).toMatchObject({ level: 30, wanted: 3, status: 'done' });
    expect(String(launchLine!.msg)).toMatch(/launch/);
    expect(statusFile()).toMatchObject({ command: 'scale-pool', outcome: 'ok', exitCode: 0, counts: { pools: 1, launched: 3, failedPools: 0 } });
    const key = fileRunTargetKey('scale-pool', file, '');
    expect(JSON.parse(readFileSync(join(stateDir, `${key}.trainers.pool-state.json`), 'utf8'))).toMatchObject({ version: 1, history: { belowSince: null } });
    // The lock was released: the next run takes it.
    expect((await cli(['run', '--config', file])).code).toBe(0);
  });

  it('--metrics-file: each tick writes the pool metrics (demand, desired, hosts by state, launches) and the run gauges', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const file = poolFile([trainers]);
    const metrics = join(dir, 'scale-pool.prom');
    expect((await cli(['run', '--config', file, '--metrics-file', metrics])).code).toBe(0);
    const text = readFileSync(metrics, 'utf8');
    expect(text).toMatch(/^evalai_autoscaler_pool_demand_jobs\{[^}]*pool="trainers"[^}]*\} 2$/m);
    expect(text).toMatch(/^evalai_autoscaler_pool_demand_known\{[^}]*pool="trainers"[^}]*\} 1$/m);
    expect(text).toMatch(/^evalai_autoscaler_pool_desired_hosts\{[^}]*pool="trainers"[^}]*\} 3$/m);
    expect(text).toMatch(/^evalai_autoscaler_pool_last_run_launches\{[^}]*pool="trainers"[^}]*\} 3$/m);
    expect(text).toMatch(/^evalai_autoscaler_last_run_exit_code\{command="scale-pool",target="pool\.json-[0-9a-f]+"\} 0$/m);
    expect(text).toMatch(/^evalai_autoscaler_last_success_timestamp_seconds\{/m);
    // The next tick sees the 3 hosts it launched; METRICS_FILE from the environment works as the flag.
    expect((await cli(['run', '--config', file], { env: { METRICS_FILE: metrics } })).code).toBe(0);
    expect(readFileSync(metrics, 'utf8')).toMatch(/^evalai_autoscaler_pool_hosts\{[^}]*pool="trainers",state="launching"[^}]*\} 3$/m);
  });

  it('an unknown demand launches and drains nothing and fails the pool (exit 1); the other pool is handled', async () => {
    queues.set(QUEUE, 'throttled');
    queues.set(OTHER_QUEUE, { visible: 30, notVisible: 2 });
    fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - 5 * HOUR).toISOString() }, launchTime: Date.now() - 5 * HOUR });
    fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - 5 * HOUR).toISOString() }, launchTime: Date.now() - 5 * HOUR });
    const r = await cli(['run', '--config', poolFile([trainers, workspaces])]);
    expect(r.code).toBe(1);
    expect(fake.live('trainers').every((i) => i.tags[STATE_TAG] === 'ready')).toBe(true);
    expect(fake.live('trainers')).toHaveLength(2);
    expect(r.stdout).toContain('pool trainers: demand unknown (sqs training-queue:');
    // 32 + 2√32 = 43.3 jobs at 8 a host: 6 hosts for workspaces.
    expect(fake.live('workspaces')).toHaveLength(6);
    expect(statusFile()).toMatchObject({ outcome: 'partial', exitCode: 1, counts: { failedPools: 1 } });
  });

  it('a dry run plans on the same path and changes nothing: no launch, no tag, no lock, status or state file', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const r = await cli(['run', '--config', poolFile([trainers]), '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dry run: nothing was changed');
    expect(r.stdout).toContain('to launch 3');
    // EC2 is asked with DryRun (it answers DryRunOperation); nothing is launched.
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.DryRun)).toEqual([true]);
    expect(fake.live('trainers')).toHaveLength(0);
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('a dry run whose launch EC2 would refuse (UnauthorizedOperation): the launch line fails, exit 1, nothing written', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    fake.dryRunAnswer = 'UnauthorizedOperation';
    const r = await cli(['run', '--config', poolFile([trainers]), '--dry-run', '--json']);
    expect(r.code).toBe(1);
    const pool = JSON.parse(r.stdout).pools[0];
    expect(pool.launches).toMatchObject({ status: 'failed', error: expect.stringMatching(/not authorised/) });
    expect(existsSync(stateDir)).toBe(false);
  });

  it('a real run writes its launches to the ledger in the state directory, and tags them with its scheduler id', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const r = await cli(['run', '--config', poolFile([trainers])]);
    expect(r.code).toBe(0);
    const id = readFileSync(join(stateDir, 'scale-pool.scheduler-id'), 'utf8').trim();
    expect(fake.live('trainers').map((i) => i.tags['evalai-autoscaler:scheduler'])).toEqual([id, id, id]);
    const ledger = readdirSync(stateDir).find((f) => f.endsWith('.trainers.launch-ledger.json'))!;
    const intents = JSON.parse(readFileSync(join(stateDir, ledger), 'utf8')).intents;
    expect(intents).toEqual([expect.objectContaining({ scheduler: id, count: 3, instanceIds: fake.live('trainers').map((i) => i.id) })]);
    expect(ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input.ClientToken).toBe(intents[0].token);
  });

  it('with backend.coordination, the launch is admitted by a conditional PUT of the S3 ledger before RunInstances; no local ledger', async () => {
    const { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } = await import('@aws-sdk/client-s3');
    const s3Mock = mockClient(S3Client);
    try {
      const order: string[] = [];
      let stored: { body: string; etag: string } | null = null;
      s3Mock.on(GetObjectCommand).callsFake(() =>
        stored ? Promise.resolve({ Body: { transformToString: () => Promise.resolve(stored!.body) }, ETag: stored.etag }) : Promise.reject(new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'no key' })),
      );
      s3Mock.on(PutObjectCommand).callsFake((input: { Body: string; IfMatch?: string; IfNoneMatch?: string }) => {
        order.push(`put ${input.IfNoneMatch ? 'if-none-match' : 'if-match'}`);
        stored = { body: input.Body, etag: `"e${order.length}"` };
        return Promise.resolve({});
      });
      fake.afterRun = () => void order.push('RunInstances');
      queues.set(QUEUE, { visible: 2, notVisible: 0 });
      const r = await cli(['run', '--config', poolFile([{ ...trainers, backend: { ...trainers.backend, coordination: { type: 's3', bucket: 'ops' } } }])]);
      expect(r.code).toBe(0);
      expect(order).toEqual(['put if-none-match', 'RunInstances', 'put if-match']);
      expect(s3Mock.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'ops', Key: 'evalai-autoscaler/trainers.json' });
      expect(JSON.parse(stored!.body).intents).toEqual([expect.objectContaining({ count: 3, instanceIds: fake.live('trainers').map((i) => i.id) })]);
      expect(readdirSync(stateDir).filter((f) => f.endsWith('.launch-ledger.json'))).toEqual([]);
    } finally {
      s3Mock.restore();
    }
  });

  it('with backend.coordination, pause writes the shared S3 object (no pause file), run holds, resume lets the next run launch', async () => {
    const { S3Client } = await import('@aws-sdk/client-s3');
    const { S3Fake } = await import('../fakes/s3-conditional.js');
    const s3Mock = mockClient(S3Client);
    try {
      const s3 = new S3Fake();
      s3.install(s3Mock);
      queues.set(QUEUE, { visible: 2, notVisible: 0 });
      const file = poolFile([{ ...trainers, backend: { ...trainers.backend, coordination: { type: 's3', bucket: 'ops' } } }]);
      const paused = await cli(['pause', '--config', file, '--by', 'alice', '--reason', 'upgrade', '--json']);
      expect(paused.code).toBe(0);
      expect(JSON.parse(paused.stdout)).toMatchObject({ where: 's3://ops/evalai-autoscaler/trainers.json', changed: true, after: { by: 'alice', reason: 'upgrade' } });
      expect(JSON.parse(s3.objects.get('ops/evalai-autoscaler/trainers.json')!.body)).toMatchObject({ version: 1, pool: 'trainers', intents: [], pause: { by: 'alice', reason: 'upgrade' } });
      expect(existsSync(stateDir) ? readdirSync(stateDir).filter((f) => f.endsWith('.pause.json')) : []).toEqual([]);
      const held = await cli(['run', '--config', file, '--json']);
      expect(held.code).toBe(0);
      expect(JSON.parse(held.stdout).pools[0]).toMatchObject({ paused: { by: 'alice', reason: 'upgrade' }, launches: { wanted: 3, status: 'held', launched: [] } });
      expect(fake.live('trainers')).toHaveLength(0);
      expect((await cli(['resume', '--config', file])).code).toBe(0);
      expect((await cli(['run', '--config', file])).code).toBe(0);
      expect(fake.live('trainers')).toHaveLength(3);
    } finally {
      s3Mock.restore();
    }
  });

  it('--max-actions caps launches through the run guard: exit 6', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const r = await cli(['run', '--config', poolFile([trainers]), '--max-actions', '2']);
    expect(r.code).toBe(6);
    expect(fake.live('trainers')).toHaveLength(2);
    expect(ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input.MaxCount).toBe(2);
    expect(r.stdout).toContain('(1 refused)');
    expect(r.stdout).toContain('--max-actions 2 reached');
  });

  it('a dry run asks the same guard: it shows what --max-actions would refuse (exit 6) and launches nothing', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const r = await cli(['run', '--config', poolFile([trainers]), '--max-actions', '2', '--dry-run']);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain('to launch 2 (1 refused)');
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => [c.args[0].input.DryRun, c.args[0].input.MaxCount])).toEqual([[true, 2]]);
    expect(fake.live('trainers')).toHaveLength(0);
  });

  it('--max-actions counts drains too', async () => {
    queues.set(OTHER_QUEUE, { visible: 0, notVisible: 0 });
    for (let i = 0; i < 5; i += 1) fake.add({ tags: { [POOL_TAG]: 'workspaces', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - 5 * HOUR).toISOString() }, launchTime: Date.now() - 5 * HOUR });
    // Desired 2 (min) against 5 ready: the history must show desired below the count for the delay first.
    const file = poolFile([{ ...workspaces, policy: { ...workspaces.policy, scaleDownDelay: 0 } }]);
    const r = await cli(['run', '--config', file, '--max-actions', '1']);
    expect(r.code).toBe(6);
    expect(fake.live('workspaces').filter((i) => i.tags[STATE_TAG] === 'draining')).toHaveLength(1);
    expect(r.logs.filter((l) => l.to === 'draining' && l.status === 'refused')).toHaveLength(2);
  });

  it('the pool state file is read at the start of a tick: a scale-down delay that began earlier lets this tick drain', async () => {
    queues.set(OTHER_QUEUE, { visible: 0, notVisible: 0 });
    for (let i = 0; i < 4; i += 1) fake.add({ tags: { [POOL_TAG]: 'workspaces', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - 5 * HOUR).toISOString() }, launchTime: Date.now() - 5 * HOUR });
    const file = poolFile([workspaces]);
    // Without history, desired (2) below the count (4) only starts the 10 min delay.
    const first = await cli(['run', '--config', file]);
    expect(first.code).toBe(0);
    expect(fake.live('workspaces').filter((i) => i.tags[STATE_TAG] === 'draining')).toHaveLength(0);
    const statePath = join(stateDir, `${fileRunTargetKey('scale-pool', file, '')}.workspaces.pool-state.json`);
    const kept = JSON.parse(readFileSync(statePath, 'utf8')) as { history: { belowSince: number } };
    expect(kept.history.belowSince).toBeGreaterThan(Date.now() - HOUR);
    // As if that tick had been an hour ago: the delay has passed, so this tick drains the excess.
    writeFileSync(statePath, JSON.stringify({ version: 1, history: { belowSince: Date.now() - HOUR }, backoff: {} }));
    const second = await cli(['run', '--config', file]);
    expect(second.code).toBe(0);
    expect(fake.live('workspaces').filter((i) => i.tags[STATE_TAG] === 'draining')).toHaveLength(2);
  });

  it('a broken pool state file is a warning, not a failure', async () => {
    queues.set(QUEUE, { visible: 0, notVisible: 0 });
    const file = poolFile([trainers]);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, `${fileRunTargetKey('scale-pool', file, '')}.trainers.pool-state.json`), '{not json');
    const r = await cli(['run', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.logs.some((l) => l.level === 40 && String(l.msg).includes('the pool state file is not valid JSON'))).toBe(true);
  });

  it('--interval below 1s is a configuration error', async () => {
    const r = await cli(['run', '--config', poolFile([trainers]), '--interval', '500ms']);
    expect(r.code).toBe(2);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('another run holding the lock: exit 4, no AWS call', async () => {
    const file = poolFile([trainers]);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(stateDir, { recursive: true });
    const held = await acquireLock(lockFileOf(stateDir, fileRunTargetKey('scale-pool', file, '')), { holdForMs: HOUR, waitMs: 0 });
    expect(held.acquired).toBe(true);
    try {
      const r = await cli(['run', '--config', file]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/another scale-pool run .* holds the lock/);
      expect(ec2Mock.calls()).toHaveLength(0);
    } finally {
      if (held.acquired) held.release();
    }
  });

  it('SIGTERM during a tick: nothing new is launched or terminated, the run records it and exits 143', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const signals = new EventEmitter();
    ec2Mock.on(DescribeInstancesCommand).callsFake(() => {
      signals.emit('SIGTERM', 'SIGTERM');
      return Promise.resolve({ Reservations: [] });
    });
    const r = await cli(['run', '--config', poolFile([trainers])], { signals });
    expect(r.code).toBe(143);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(statusFile()).toMatchObject({ outcome: 'interrupted', exitCode: 143 });
  });

  it('a pool file error is exit 2 naming the field path, before any AWS call', async () => {
    const r = await cli(['run', '--config', poolFile([{ ...trainers, policy: { minHosts: 1 } }])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scale-pool: configuration error: .*pool\.json: field pools\[0\]\.policy\.maxHosts: missing\n$/);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('--json: one report with each pool\'s demand, desired, moves and launches', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const r = await cli(['run', '--config', poolFile([trainers]), '--json']);
    const report = JSON.parse(r.stdout) as { exitCode: number; pools: Array<Record<string, unknown>> };
    expect(report.exitCode).toBe(0);
    expect(report.pools[0]).toMatchObject({ pool: 'trainers', desiredHosts: 3, demand: { known: true, n: 2 }, launches: { wanted: 3, status: 'done' } });
  });
});

describe('scale-pool run --interval (daemon)', () => {
  it('ticks until SIGTERM arrives between ticks, then exits 0; each tick takes and releases the lock', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const signals = new EventEmitter();
    let ticks = 0;
    let sleeps = 0;
    const r = await cli(['run', '--config', poolFile([trainers]), '--interval', '60s'], {
      signals,
      // Ticks back to back; a daemon that does not stop parks after 10 sleeps and fails by the test timeout.
      sleep: () => (++sleeps > 10 ? new Promise(() => undefined) : Promise.resolve()),
      onStdout: (s) => {
        if (!s.includes('exit ')) return;
        ticks += 1;
        if (ticks === 1) fake.advance();
        if (ticks === 3) signals.emit('SIGTERM', 'SIGTERM');
      },
    });
    expect(r.code).toBe(0);
    expect(ticks).toBe(3);
    // Each tick's human summary starts with its time, so a daemon's log says when each happened.
    const stamps = [...r.stdout.matchAll(/^scale-pool run (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/gm)].map((m) => Date.parse(m[1]!));
    expect(stamps).toHaveLength(3);
    for (const t of stamps) expect(Math.abs(t - Date.now())).toBeLessThan(HOUR);
    expect(r.logs.find((l) => String(l.msg).startsWith('daemon started'))?.msg).toBe('daemon started: a tick every 1 min');
    expect(r.logs.filter((l) => l.msg === 'run started')).toHaveLength(3);
    expect(r.logs.some((l) => String(l.msg).includes('the daemon stopped after its last tick'))).toBe(true);
    // The first tick launched 3; later ticks found them and launched nothing more.
    expect(fake.live('trainers')).toHaveLength(3);
    expect(statusFile()).toMatchObject({ outcome: 'ok' });
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('pause --dry-run says what it would write and writes nothing; resume has no --reason (exit 2)', async () => {
    const file = poolFile([trainers]);
    const dry = await cli(['pause', '--config', file, '--by', 'alice', '--reason', 'try', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, changed: false, before: null, after: { by: 'alice', reason: 'try' } });
    expect(existsSync(stateDir) ? readdirSync(stateDir).filter((f) => f.endsWith('.pause.json')) : []).toEqual([]);
    const bad = await cli(['resume', '--config', file, '--reason', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^scale-pool resume: usage error: unknown option '--reason'/);
  });

  it('reads the pause on every tick: a tick while paused holds its launch, the tick after resume launches', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const file = poolFile([trainers]);
    expect((await cli(['pause', '--config', file, '--by', 'alice'])).code).toBe(0);
    const signals = new EventEmitter();
    let sleeps = 0;
    const liveAtSleep: number[] = [];
    const r = await cli(['run', '--config', file, '--interval', '60s'], {
      signals,
      sleep: async () => {
        sleeps += 1;
        liveAtSleep.push(fake.live('trainers').length);
        if (sleeps === 1) expect((await cli(['resume', '--config', file])).code).toBe(0);
        else signals.emit('SIGTERM', 'SIGTERM');
      },
    });
    expect(r.code).toBe(0);
    const summaries = r.stdout.split(/^(?=scale-pool run \d)/m);
    expect(summaries).toHaveLength(2);
    expect(summaries[0]).toMatch(/^ {2}PAUSED since \S+ \(for [^)]+\) by alice: /m);
    expect(summaries[1]).not.toContain('PAUSED');
    expect(liveAtSleep).toEqual([0, 3]);
  });

  it('--metrics-file: each daemon tick publishes its own metrics', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const signals = new EventEmitter();
    const metrics = join(dir, 'daemon.prom');
    const seen: string[] = [];
    const r = await cli(['run', '--config', poolFile([trainers]), '--interval', '60s', '--metrics-file', metrics], {
      signals,
      onStdout: (s) => {
        if (!s.includes('exit ')) return;
        // The tick's summary is printed after its metrics are written.
        seen.push(readFileSync(metrics, 'utf8'));
        if (seen.length === 2) signals.emit('SIGTERM', 'SIGTERM');
      },
    });
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/^evalai_autoscaler_pool_last_run_launches\{[^}]*pool="trainers"[^}]*\} 3$/m);
    // The second tick found the 3 hosts the first launched and launched nothing.
    expect(seen[1]).toMatch(/^evalai_autoscaler_pool_last_run_launches\{[^}]*pool="trainers"[^}]*\} 0$/m);
    expect(seen[1]).toMatch(/^evalai_autoscaler_pool_hosts\{[^}]*pool="trainers",state="launching"[^}]*\} 3$/m);
  });

  it('SIGTERM while sleeping between ticks ends the daemon at once with 0', async () => {
    queues.set(QUEUE, { visible: 0, notVisible: 0 });
    const signals = new EventEmitter();
    const slept: number[] = [];
    const r = await cli(['run', '--config', poolFile([trainers]), '--interval', '90s'], {
      signals,
      // A sleep that never ends by itself: only the signal can end the daemon.
      sleep: (ms) => {
        slept.push(ms);
        signals.emit('SIGTERM', 'SIGTERM');
        return new Promise(() => undefined);
      },
    });
    expect(r.code).toBe(0);
    expect(slept).toEqual([90_000]);
    expect(r.logs.filter((l) => l.msg === 'run started')).toHaveLength(1);
    expect(statusFile()).toMatchObject({ outcome: 'ok', exitCode: 0 });
  });

  it('SIGTERM during a tick: the tick finishes and is recorded as interrupted, then the daemon exits 0', async () => {
    queues.set(QUEUE, { visible: 2, notVisible: 0 });
    const signals = new EventEmitter();
    ec2Mock.on(DescribeInstancesCommand).callsFake(() => {
      signals.emit('SIGINT', 'SIGINT');
      return Promise.resolve({ Reservations: [] });
    });
    const r = await cli(['run', '--config', poolFile([trainers]), '--interval', '60s'], { signals });
    expect(r.code).toBe(0);
    expect(r.logs.filter((l) => l.msg === 'run started')).toHaveLength(1);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(statusFile()).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
  });
});

describe('scale-pool status', () => {
  it('shows demand, desired and why, every host with state, type, lifecycle and age in state; changes nothing', async () => {
    queues.set(QUEUE, { visible: 1, notVisible: 1 });
    fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - 2 * HOUR).toISOString() }, type: 'g4dn.xlarge', spot: true, launchTime: Date.now() - 3 * HOUR });
    fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'draining', [SINCE_TAG]: new Date(Date.now() - 5 * 60_000).toISOString() }, type: 'p3.2xlarge', launchTime: Date.now() - 3 * HOUR });
    fake.add({ tags: { Name: 'not ours' } });
    const r = await cli(['status', '--config', poolFile([trainers])]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pool trainers: demand 2 (sqs training-queue: 1 queued, 1 in flight)');
    expect(r.stdout).toMatch(/desired: 3 hosts: /);
    // No spot price known for its type: no cost shown.
    expect(r.stdout).toMatch(/i-\S+\s+ready\s+running\s+g4dn\.xlarge\s+spot\s+us-east-1a\s+-\s+2 h\s/);
    expect(r.stdout).toMatch(/i-\S+\s+draining\s+running\s+p3\.2xlarge\s+on-demand\s+us-east-1a\s+-\s+5 min\s/);
    expect(r.stdout.match(/^ {2}i-/gm)).toHaveLength(2);
    expect(r.stdout).toMatch(/next tick: .*draining -> ready/);
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(existsSync(stateDir)).toBe(false);
    const json = JSON.parse((await cli(['status', '--config', poolFile([trainers]), '--json'])).stdout) as { pools: Array<{ hosts: Array<Record<string, unknown>> }> };
    expect(json.pools[0]!.hosts.map((h) => [h.state, h.type, h.lifecycle])).toEqual([
      ['ready', 'g4dn.xlarge', 'spot'],
      ['draining', 'p3.2xlarge', 'on-demand'],
    ]);
  });

  it('shows what each spot host costs: its type\'s spot price in its zone (one DescribeSpotPriceHistory filtered by the hosts\' zones); on-demand hosts without a price', async () => {
    queues.set(QUEUE, { visible: 1, notVisible: 1 });
    fake.spotPrices = { 'g4dn.xlarge': 0.2345 };
    fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - 2 * HOUR).toISOString() }, type: 'g4dn.xlarge', spot: true, zone: 'us-east-1a' });
    fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - HOUR).toISOString() }, type: 'g4dn.xlarge', spot: false });
    const r = await cli(['status', '--config', poolFile([trainers])]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/HOST\s+STATE\s+EC2\s+TYPE\s+LIFECYCLE\s+ZONE\s+COST\s+IN STATE\s+JOBS/);
    expect(r.stdout).toMatch(/i-\S+\s+ready\s+running\s+g4dn\.xlarge\s+spot\s+us-east-1a\s+\$0\.2345\/h\s+2 h\s/);
    expect(r.stdout).toMatch(/i-\S+\s+ready\s+running\s+g4dn\.xlarge\s+on-demand\s+us-east-1a\s+-\s+1 h\s/);
    const asked = ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand).map((c) => c.args[0].input);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ InstanceTypes: ['g4dn.xlarge'], Filters: [{ Name: 'availability-zone', Values: ['us-east-1a'] }] });
    const json = JSON.parse((await cli(['status', '--config', poolFile([trainers]), '--json'])).stdout) as { pools: Array<{ hosts: Array<Record<string, unknown>> }> };
    expect(json.pools[0]!.hosts.map((h) => [h.lifecycle, h.usdPerHour])).toEqual([
      ['spot', 0.2345],
      ['on-demand', null],
    ]);
  });

  it.each(['--dry-run', '--max-actions=3', '--metrics-file=x.prom', '--pushgateway=http://127.0.0.1:9'])('refuses %s, which would do nothing there: exit 2, no AWS call', async (flag) => {
    const r = await cli(['status', '--config', poolFile([trainers]), flag]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^scale-pool status: usage error: unknown option '${flag.split('=')[0]}`));
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('--json has the shape docs/scale-pool.md documents: every documented key is a real one, and every real one is documented', async () => {
    queues.set(QUEUE, { visible: 1, notVisible: 1 });
    fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - HOUR).toISOString() }, type: 'g4dn.xlarge', spot: true });
    // Paused, so that the `paused` object is in the output too.
    const file = poolFile([trainers]);
    expect((await cli(['pause', '--config', file, '--reason', 'docs'])).code).toBe(0);
    const json = JSON.parse((await cli(['status', '--config', file, '--json'])).stdout) as Record<string, unknown> & { pools: Array<Record<string, unknown> & { hosts: Array<Record<string, unknown>>; demand: Record<string, unknown>; paused: Record<string, unknown> }> };
    const pool = json.pools[0]!;
    // A SLURM job's row, as status builds it.
    const slurmRow = statusRows([{ id: '7', state: 'ready', since: 0, cloud: 'running', launchedAt: 0, endsAt: HOUR, slurm: { state: 'RUNNING', partition: 'cpu', node: 'n1' } }], 0)[0]!;
    // A shape of a split pool whose launch comes from a Pulumi stack (a script standing for pulumi),
    // with a host from before the split: the keys only such a pool has.
    const pulumi = join(dir, 'fake-pulumi');
    writeFileSync(pulumi, `#!/bin/sh\necho '{"ami_id": "ami-0123456789abcdef"}'\n`, { mode: 0o755 });
    const split = {
      ...trainers,
      demand: undefined,
      policy: { minHosts: 0, maxHosts: 5 },
      backend: { ...trainers.backend, instanceTypes: undefined, launch: { ...trainers.backend.launch, imageId: undefined } },
      fromPulumi: { stack: 'dev', command: pulumi, outputs: { 'backend.launch.imageId': 'ami_id' } },
      shapes: { gpu: { demand: { type: 'sqs', queueUrl: QUEUE }, instanceTypes: ['g4dn.xlarge'], policy: { maxHosts: 5 } } },
    };
    const shaped = JSON.parse((await cli(['status', '--config', poolFile([split]), '--json'])).stdout) as Record<string, unknown> & { pools: Array<Record<string, Record<string, unknown> & { values: Array<Record<string, unknown>> }>> };
    const extra = shaped.pools[0]!;
    const real = new Set([
      ...Object.keys(json), ...Object.keys(pool), ...Object.keys(pool.demand), ...Object.keys(pool.paused), 'reason', ...Object.keys(pool.hosts[0]!), ...Object.keys(slurmRow), ...Object.keys(slurmRow.slurm!),
      ...Object.keys(shaped), ...Object.keys(extra), ...Object.keys(extra.shape!), ...Object.keys(extra.fromPulumi!), ...Object.keys(extra.fromPulumi!.values[0]!),
    ]);
    expect(shaped.warnings).toEqual([expect.stringMatching(/^pool trainers is split by shape, but 1 host still carries its unshaped tag/)]);
    const doc = readFileSync(join(ROOT, 'docs', 'scale-pool.md'), 'utf8');
    const block = doc.split('**`status --json`**')[1]!.split('```')[1]!;
    const documented = new Set([...block.matchAll(/"(\w+)":/g)].map((m) => m[1]!));
    // Keys of example values (hosts by state) are not keys of the shape.
    documented.delete('ready');
    documented.delete('draining');
    expect([...documented].sort()).toEqual([...real].sort());
  });

  it('AWS unreachable for every pool: exit 3', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    const r = await cli(['status', '--config', poolFile([trainers])]);
    expect(r.code).toBe(3);
    // Nothing was decided: status does not claim the next tick has nothing to change.
    expect(r.stdout).not.toMatch(/next tick/);
    expect(r.stdout).toMatch(/^ {2}error: observe: /m);
  });
});

describe('scale-pool scale-up / scale-down', () => {
  const ready = (n: number) => {
    for (let i = 0; i < n; i += 1) fake.add({ tags: { [POOL_TAG]: 'trainers', [STATE_TAG]: 'ready', [SINCE_TAG]: new Date(Date.now() - 2 * HOUR).toISOString() }, launchTime: Date.now() - 2 * HOUR + i });
  };

  it('scale-up N launches now, bounded by max, and says what the next tick will do', async () => {
    ready(2);
    queues.set(QUEUE, { visible: 0, notVisible: 0 });
    const r = await cli(['scale-up', '10', '--config', poolFile([trainers])]);
    expect(r.code).toBe(0);
    expect(fake.live('trainers')).toHaveLength(5);
    expect(r.stdout).toContain('manual scale-up by 10: 2 -> 5 hosts (capped at max 5)');
    expect(r.stdout).toMatch(/next tick: the demand wants 1 host: the next ticks drain back down to 1 after the scale-down delay/);
  });

  it('scale-down N only drains, bounded by min: nothing is terminated', async () => {
    ready(3);
    queues.set(QUEUE, { visible: 0, notVisible: 0 });
    const r = await cli(['scale-down', '5', '--config', poolFile([trainers])]);
    expect(r.code).toBe(0);
    expect(fake.live('trainers').filter((i) => i.tags[STATE_TAG] === 'draining')).toHaveLength(2);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expect(r.stdout).toContain('(kept at min 1)');
  });

  it('a file with several pools needs --pool', async () => {
    const r = await cli(['scale-up', '1', '--config', poolFile([trainers, workspaces])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pass --pool NAME');
  });
});

describe('scale-pool with the evalai demand', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('n is the pending submissions over the chosen challenges, through the shared calculator', async () => {
    const evalaiPool = { ...workspaces, name: 'evalai-workers', demand: { type: 'evalai', challenges: [SEEDED.activePendingNoWorker, SEEDED.activeBusyWorker] }, policy: { minHosts: 0, maxHosts: 10, jobsPerHost: 4 } };
    const r = await cli(['run', '--config', poolFile([evalaiPool]), '--json'], { env: { API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff } });
    const report = JSON.parse(r.stdout) as { pools: Array<Record<string, unknown>> };
    // 3 submitted + (1 running + 2 submitted) = 6 pending, 1 in flight; 6 + 2√6 = 10.9 jobs at 4 a host: 3 hosts.
    expect(report.pools[0]).toMatchObject({ demand: { known: true, n: 6, inFlight: 1 }, desiredHosts: 3 });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(sandbox.tokens.staff);
  });

  it('without AUTH_TOKEN an evalai pool is a configuration error', async () => {
    const r = await cli(['run', '--config', poolFile([{ ...workspaces, demand: { type: 'evalai', challenges: 'all', flag: 'isDockerBased' } }])], { env: { API_HOST_URL: sandbox.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('AUTH_TOKEN is not set');
  });
});

afterEach(() => undefined);
