import { CreateLaunchTemplateCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PoolBackend } from '../../src/pool/backend.js';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import type { DemandSource } from '../../src/pool/demand/demand.js';
import { sqsInterruptionSource } from '../../src/pool/interruption-queue.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { motoServer, sayMotoMissing, startMoto, type Moto } from '../fakes/moto.js';
import { policy } from '../pool/builders.js';
import { fixture } from '../pool/interruption-fixtures.js';

if (!motoServer) sayMotoMissing();

const POOL = 'trainers';
const STATE = 'evalai-autoscaler:state';
/** One job in flight: 1 + 2*sqrt(1) = 3 hosts wanted. */
const threeWanted: DemandSource = { read: async () => ({ known: true, n: 1, queued: 0, inFlight: 1, source: 'test' }) };

describe.skipIf(!motoServer)('the interruption queue against the AWS emulator (moto SQS and EC2, the real SDK clients)', () => {
  let moto: Moto;
  let ec2: EC2Client;
  let sqs: SQSClient;
  let state: PoolTickState;
  let now: number;
  const config: Ec2BackendConfig = { type: 'ec2', launchTemplate: { name: 'trainer', version: '$Default' }, instanceTypes: ['c5.large'], market: 'spot', onDemandFallback: true, capacityBackoff: 15 * 60_000, tags: {} };

  beforeAll(async () => {
    moto = await startMoto();
    ec2 = new EC2Client(moto.clientConfig);
    sqs = new SQSClient({ ...moto.clientConfig, useQueueUrlAsEndpoint: false });
  }, 60_000);
  afterAll(async () => moto?.stop());
  beforeEach(async () => {
    await moto.reset();
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'trainer', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.large' } }));
    state = EMPTY_TICK_STATE;
    now = Date.now();
  });

  async function queue(name: string, attributes: Record<string, string> = {}): Promise<string> {
    return (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  }

  async function runTick(queueUrl: string, backend: PoolBackend = ec2Backend({ client: ec2, pool: POOL, config })): Promise<TickReport> {
    const report = await tick({ pool: POOL, policy: policy({ minHosts: 1, maxHosts: 10 }), backend, demand: threeWanted, interruptions: sqsInterruptionSource(sqs, queueUrl), state, now, dryRun: false });
    state = report.state;
    now += 60_000;
    return report;
  }

  async function poolInstances(): Promise<Array<{ id: string; state: string | undefined; ec2: string | undefined }>> {
    const out = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:evalai-autoscaler:pool', Values: [POOL] }] }));
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => ({ id: i.InstanceId!, state: i.Tags?.find((t) => t.Key === STATE)?.Value, ec2: i.State?.Name }));
  }

  /** Ticks (at most 5) until the pool is 3 ready hosts: moto may answer a RunInstances with fewer than asked. */
  async function threeReady(queueUrl: string): Promise<void> {
    for (let k = 0; k < 5; k += 1) {
      const hosts = await poolInstances();
      if (hosts.length === 3 && hosts.every((h) => h.state === 'ready')) return;
      await runTick(queueUrl);
    }
    throw new Error(`the pool did not reach 3 ready hosts: ${JSON.stringify(await poolInstances())}`);
  }

  async function depth(queueUrl: string): Promise<number> {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
  }

  const send = (queueUrl: string, body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  const about = (name: Parameters<typeof fixture>[0], id: string, change?: (e: Record<string, unknown>) => void) => fixture(name, change).replaceAll('i-1234567890abcdef0', id);

  it('the documented events: a warned pool host drains and is replaced in the same tick; other instances\' events are deleted; an unreadable one stays', async () => {
    const events = await queue('pool-interruptions');
    await threeReady(events);
    const hosts = await poolInstances();
    expect(hosts.map((h) => h.state)).toEqual(['ready', 'ready', 'ready']);
    const [a, b, c] = hosts.map((h) => h.id);

    await send(events, about('spot-interruption-warning', b!));
    await send(events, about('rebalance-recommendation', 'i-0f0f0f0f0f0f0f0f0'));
    await send(events, about('health-scheduled-change', 'i-0e0e0e0e0e0e0e0e0'));
    await send(events, about('state-change-terminated', a!, (e) => ((e.detail as Record<string, unknown>).state = 'running')));
    await send(events, '{"detail-type": "EC2 Spot Instance Interruption Warning", "detail": ');
    const r = await runTick(events);

    expect(r.moves).toEqual([expect.objectContaining({ hostId: b, from: 'ready', to: 'draining', status: 'done', reason: expect.stringMatching(new RegExp(`^spot interruption warning for ${b}`)) })]);
    expect(r.launches.launched).toHaveLength(1);
    const after = await poolInstances();
    expect(after.find((h) => h.id === b)?.state).toBe('draining');
    expect(after.filter((h) => h.id === a || h.id === c).map((h) => h.state)).toEqual(['ready', 'ready']);
    expect(after.filter((h) => h.state === 'launching')).toHaveLength(1);
    expect(r.interruptions).toMatchObject({ received: 5, handled: [{ kind: 'spot-interruption', hosts: [b] }], foreign: 2, ignored: 1, deleted: 4, unreadable: [{ reason: expect.stringMatching(/^not JSON/) }] });
    expect(await depth(events)).toBe(1);
    expect(r.failed).toBe(false);
  }, 60_000);

  it('a rebalance recommendation and a scheduled change drain too; a terminated state change is recorded and replaced', async () => {
    const events = await queue('pool-interruptions');
    await threeReady(events);
    const [a, b, c] = (await poolInstances()).map((h) => h.id);
    await send(events, about('rebalance-recommendation', a!));
    await send(events, about('health-scheduled-change', b!));
    await send(events, about('state-change-terminated', c!));
    const r = await runTick(events);
    expect(r.moves.map((m) => `${m.hostId}:${m.to}`).sort()).toEqual([`${a}:draining`, `${b}:draining`, `${c}:terminated`].sort());
    // Three replacements asked for in the same tick (moto may answer one RunInstances with fewer than asked: the launch path's own matter).
    expect(r.launches.wanted).toBe(3);
    expect(r.launches.launched.length).toBeGreaterThan(0);
    expect(state.history.gone).toHaveProperty(c!);
    expect(await depth(events)).toBe(0);
  }, 60_000);

  it('a tick that fails before handling leaves the messages in the queue; the next tick handles them', async () => {
    // A visibility timeout of 0: what a failed tick received is visible again at once (no sleep in the test).
    const events = await queue('pool-interruptions-now', { VisibilityTimeout: '0' });
    await threeReady(events);
    const [, b] = (await poolInstances()).map((h) => h.id);
    await send(events, about('spot-interruption-warning', b!));
    const real = ec2Backend({ client: ec2, pool: POOL, config });
    const failed = await runTick(events, { ...real, list: () => Promise.reject(new Error('EC2 DescribeInstances: connection reset')) });
    expect(failed.failed).toBe(true);
    expect(await depth(events)).toBe(1);
    expect((await poolInstances()).find((h) => h.id === b)?.state).toBe('ready');
    const r = await runTick(events, real);
    expect(r.moves).toEqual([expect.objectContaining({ hostId: b, to: 'draining', status: 'done' })]);
    expect(r.launches.launched).toHaveLength(1);
    expect(await depth(events)).toBe(0);
  }, 60_000);
});
