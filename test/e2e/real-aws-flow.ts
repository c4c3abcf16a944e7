import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DescribeImagesCommand, DescribeInstancesCommand, DescribeSubnetsCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runBin } from '../integration/harness.js';

/**
 * The end-to-end flow of issue 19 (seed 002's real-AWS test): one instance launched by the built
 * `scale-pool run` under a pool name used only here, seen running, drained and terminated by the
 * tool, and, whatever happened, every instance still carrying the pool's tag terminated by
 * `sweep`. Run against real AWS by real-aws.test.ts (opt-in) and against moto by
 * real-aws-moto.test.ts, which proves the flow itself here.
 */
export interface FlowOptions {
  /** The pool name: unique per run (`uniquePoolName`), the tag the sweep looks for. */
  pool: string;
  region: string;
  /** Settings for the SDK clients the test observes and sweeps with (an `endpoint` for moto). */
  clientConfig: ClientConfig;
  /** The environment of the bin: credentials, region, AWS_ENDPOINT_URL for moto. */
  binEnv: Record<string, string>;
  /** An AMI id; else the newest Amazon Linux 2023 x86_64 AMI (DescribeImages, owner amazon). */
  imageId?: string;
  /** Subnet ids (tried in order: a type a zone does not offer moves on to the next); else the default VPC's default subnets. */
  subnetIds?: string[];
  instanceType: string;
  /** How long to wait for `running`, then for the instance to be gone: a bound on a hang, not a timing claim. */
  waitMs: number;
  pollMs: number;
  log: (line: string) => void;
  /** Called once the instance runs (tests of the sweep make the flow fail here). */
  afterRunning?: (instanceId: string) => Promise<void>;
}

export interface ClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const POOL_TAG = 'evalai-autoscaler:pool';

/** `e2e-<time>-<random>`: no two runs share it, so the sweep touches only this run's instances. */
export function uniquePoolName(): string {
  return `e2e-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The queue the pool reads its (empty) demand from: named after the pool. */
const queueName = (pool: string): string => `evalai-autoscaler-${pool}`;

export async function runFlow(o: FlowOptions): Promise<{ instanceId: string }> {
  const ec2 = new EC2Client(o.clientConfig);
  const sqs = new SQSClient(o.clientConfig);
  const dir = mkdtempSync(join(tmpdir(), `${o.pool}-`));
  try {
    const imageId = o.imageId ?? (await latestAmazonLinux(ec2));
    const subnetIds = o.subnetIds ?? (await defaultSubnets(ec2));
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName(o.pool) }))).QueueUrl!;
    o.log(`pool ${o.pool}: ${o.instanceType} from ${imageId} in ${subnetIds.join(', ')}, demand ${queueUrl}`);
    const config = join(dir, 'pool.json');
    const writePool = (policy: Record<string, unknown>): void =>
      writeFileSync(
        config,
        JSON.stringify({
          pools: [
            {
              name: o.pool,
              demand: { type: 'sqs', queueUrl, region: o.region },
              backend: { type: 'ec2', region: o.region, allocation: 'lowest-price-order', launch: { imageId, subnetIds }, instanceTypes: [o.instanceType], market: 'on-demand', tags: { Purpose: 'evalai-autoscaler e2e test' } },
              policy,
            },
          ],
        }),
      );
    const env = { ...o.binEnv, EVALAI_AUTOSCALER_STATE_DIR: join(dir, 'state') };
    const run = async (): Promise<{ launched: string[]; terminated: string[] }> => {
      const r = await runBin('scale-pool', ['run', '--config', config, '--json'], env, 120_000);
      if (r.code !== 0) throw new Error(`scale-pool run exited ${r.code}: ${r.stdout.slice(0, 2000)} ${r.stderr.slice(-2000)}`);
      const pool = (JSON.parse(r.stdout) as { pools: Array<{ launches: { launched: string[] }; terminated: string[] }> }).pools[0]!;
      return { launched: pool.launches.launched, terminated: pool.terminated };
    };

    // 1. minHosts 1 with an empty queue: the tool launches exactly one instance.
    writePool({ minHosts: 1, maxHosts: 1, launchTimeout: '15m' });
    const first = await run();
    if (first.launched.length !== 1) throw new Error(`expected one launch, got ${JSON.stringify(first.launched)}`);
    const instanceId = first.launched[0]!;
    o.log(`launched ${instanceId}`);

    // 2. EC2 says it runs, and it carries the pool's tag.
    await waitFor(o, `${instanceId} running`, async () => {
      const i = await describe(ec2, [instanceId]);
      return i?.State?.Name === 'running' && i.Tags?.some((t) => t.Key === POOL_TAG && t.Value === o.pool) === true;
    });
    o.log(`${instanceId} is running`);
    await o.afterRunning?.(instanceId);

    // 3. minHosts 0, no delay: the next tick drains it, the one after terminates it (idle: nothing in flight).
    writePool({ minHosts: 0, maxHosts: 1, scaleDownDelay: '0s', minUptime: '0s' });
    const terminated: string[] = [];
    for (let tick = 0; tick < 3 && terminated.length === 0; tick += 1) terminated.push(...(await run()).terminated);
    if (terminated.join() !== instanceId) throw new Error(`expected the tool to terminate ${instanceId}, it terminated ${JSON.stringify(terminated)}`);
    await waitFor(o, `${instanceId} shutting down`, async () => ['shutting-down', 'terminated'].includes((await describe(ec2, [instanceId]))?.State?.Name ?? 'terminated'));
    o.log(`${instanceId} terminated by scale-pool`);
    return { instanceId };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    ec2.destroy();
    sqs.destroy();
  }
}

/**
 * Whatever happened: terminates every instance still carrying the pool's tag (any state but
 * terminated) and deletes the pool's queue. Every step is tried; the first error is thrown after.
 */
export async function sweep(o: Pick<FlowOptions, 'pool' | 'clientConfig' | 'log'>): Promise<string[]> {
  const ec2 = new EC2Client(o.clientConfig);
  const sqs = new SQSClient(o.clientConfig);
  const errors: unknown[] = [];
  let ids: string[] = [];
  try {
    const out = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: `tag:${POOL_TAG}`, Values: [o.pool] }, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }] }),
    );
    ids = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
    if (ids.length > 0) {
      o.log(`sweep: terminating ${ids.join(', ')} (tag ${POOL_TAG}=${o.pool})`);
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    }
  } catch (err) {
    errors.push(err);
  }
  try {
    const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName(o.pool) }))).QueueUrl;
    if (url) await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'QueueDoesNotExist' && (err as { name?: string }).name !== 'AWS.SimpleQueueService.NonExistentQueue') errors.push(err);
  }
  ec2.destroy();
  sqs.destroy();
  if (errors.length > 0) throw errors[0];
  return ids;
}

async function describe(ec2: EC2Client, ids: string[]) {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  return out.Reservations?.[0]?.Instances?.[0];
}

async function waitFor(o: Pick<FlowOptions, 'waitMs' | 'pollMs'>, what: string, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + o.waitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`${what}: not within ${Math.round(o.waitMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}

async function latestAmazonLinux(ec2: EC2Client): Promise<string> {
  const out = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-2023.*-x86_64'] }, { Name: 'state', Values: ['available'] }] }));
  const newest = (out.Images ?? []).filter((i) => i.ImageId).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  if (!newest) throw new Error('no Amazon Linux 2023 x86_64 AMI found: set REAL_AWS_AMI');
  return newest.ImageId!;
}

async function defaultSubnets(ec2: EC2Client): Promise<string[]> {
  const out = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }));
  const ids = (out.Subnets ?? []).flatMap((s) => (s.SubnetId ? [s.SubnetId] : [])).sort();
  if (ids.length === 0) throw new Error('no default subnet in this region: set REAL_AWS_SUBNET');
  return ids;
}
