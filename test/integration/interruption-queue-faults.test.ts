import { CreateLaunchTemplateCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import type { DemandSource } from '../../src/pool/demand/demand.js';
import { sqsInterruptionSource } from '../../src/pool/interruption-queue.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { FaultProxy, faults, type Fault, type FaultPlan } from '../fakes/fault-proxy.js';
import { motoServer, sayMotoMissing, startMoto, type Moto } from '../fakes/moto.js';
import { policy } from '../pool/builders.js';
import { fixture } from '../pool/interruption-fixtures.js';

if (!motoServer) sayMotoMissing();

const POOL = 'trainers';
const STATE = 'evalai-autoscaler:state';
/** The proxy counts requests for its whole life: this plan counts from when it is set, per action. */
function schedule(byAction: Record<string, ReadonlyArray<Fault | undefined>>): FaultPlan {
  const seen = new Map<string, number>();
  return (req) => {
    const n = (seen.get(req.action) ?? 0) + 1;
    seen.set(req.action, n);
    return byAction[req.action]?.[n - 1];
  };
}

const threeWanted: DemandSource = { read: async () => ({ known: true, n: 1, queued: 0, inFlight: 1, source: 'test' }) };
const config: Ec2BackendConfig = { type: 'ec2', launchTemplate: { name: 'trainer', version: '$Default' }, instanceTypes: ['c5.large'], market: 'on-demand', onDemandFallback: true, capacityBackoff: 15 * 60_000, tags: {} };

/**
 * SQS answers that are garbled or lost, through the real SQSClient (one attempt, so no SDK retry
 * hides the fault) and a fault proxy in front of moto; EC2 is moto itself. The queue's visibility
 * timeout is 0, so a message left by one tick is there for the next with no waiting.
 */
describe.skipIf(!motoServer)('the interruption queue when SQS answers garbled or not at all', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let ec2: EC2Client;
  let sqs: SQSClient;
  let direct: SQSClient;
  let events: string;
  let ids: string[];
  let state: PoolTickState;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = new FaultProxy(moto.endpoint);
    await proxy.start();
    ec2 = new EC2Client(moto.clientConfig);
    direct = new SQSClient({ ...moto.clientConfig, useQueueUrlAsEndpoint: false });
    sqs = new SQSClient({ ...moto.clientConfig, endpoint: proxy.url, useQueueUrlAsEndpoint: false, maxAttempts: 1 });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    proxy.plan = () => undefined;
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'trainer', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.large' } }));
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const tags = [{ Key: 'evalai-autoscaler:pool', Value: POOL }, { Key: STATE, Value: 'ready' }, { Key: 'evalai-autoscaler:state-since', Value: since }];
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 'c5.large', MinCount: 3, MaxCount: 3, TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] }));
    ids = run.Instances!.map((i) => i.InstanceId!);
    events = (await direct.send(new CreateQueueCommand({ QueueName: 'events', Attributes: { VisibilityTimeout: '0' } }))).QueueUrl!;
    await direct.send(new SendMessageCommand({ QueueUrl: events, MessageBody: fixture('spot-interruption-warning').replaceAll('i-1234567890abcdef0', ids[1]!) }));
    state = EMPTY_TICK_STATE;
  });

  async function runTick(): Promise<TickReport> {
    const r = await tick({ pool: POOL, policy: policy({ minHosts: 1, maxHosts: 10 }), backend: ec2Backend({ client: ec2, pool: POOL, config }), demand: threeWanted, interruptions: sqsInterruptionSource(sqs, events), state, now: Date.now(), dryRun: false });
    state = r.state;
    return r;
  }
  async function stateOf(id: string): Promise<string | undefined> {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    return out.Reservations?.[0]?.Instances?.[0]?.Tags?.find((t) => t.Key === STATE)?.Value;
  }
  async function depth(): Promise<number> {
    const a = (await direct.send(new GetQueueAttributesCommand({ QueueUrl: events, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
  }

  it.each([
    ['an HTML page', faults.html()],
    ['an empty body', faults.empty()],
    ['a body cut short', faults.truncated()],
    ['no answer (the connection lost after SQS acted)', faults.dropAfter()],
  ])('a ReceiveMessage answered with %s: nothing drained, nothing deleted; the next tick handles the warning', async (_name, fault) => {
    proxy.plan = schedule({ ReceiveMessage: [fault] });
    const before = proxy.log.at(-1)?.req.seq ?? 0;
    const r = await runTick();
    expect(r.moves).toEqual([]);
    expect(r.launches.wanted).toBe(0);
    expect(await stateOf(ids[1]!)).toBe('ready');
    expect(await depth()).toBe(1);
    expect(proxy.log.filter((l) => l.req.action === 'DeleteMessageBatch' && l.req.seq > before)).toEqual([]);
    const next = await runTick();
    expect(next.moves).toEqual([expect.objectContaining({ hostId: ids[1], to: 'draining', status: 'done' })]);
    expect(await depth()).toBe(0);
  }, 60_000);

  it('a DeleteMessageBatch whose answer is lost after SQS deleted: the tick fails and says so; nothing is done twice', async () => {
    proxy.plan = schedule({ DeleteMessageBatch: [faults.dropAfter()] });
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(r.errors).toContainEqual(expect.stringMatching(/^interruption queue: 1 message\(s\) not deleted/));
    expect(await stateOf(ids[1]!)).toBe('draining');
    expect(r.launches.launched).toHaveLength(1);
    expect(await depth()).toBe(0);
    const next = await runTick();
    // Only the replacement's launching -> ready: no second drain, no second launch.
    expect(next.moves.map((m) => `${m.from}->${m.to}`)).toEqual(['launching->ready']);
    expect(next.launches.launched).toEqual([]);
  }, 60_000);

  it('a DeleteMessageBatch refused with a 500 (not acted) or answered with an HTML page: the message comes back and is handled again with no effect', async () => {
    proxy.plan = schedule({ DeleteMessageBatch: [faults.error(500, 'InternalError', false), faults.html(false)] });
    for (const k of [1, 2]) {
      const r = await runTick();
      expect(r.failed, `tick ${k}`).toBe(true);
      expect(await depth()).toBe(1);
    }
    const third = await runTick();
    expect(third.failed).toBe(false);
    expect(third.moves).toEqual([]);
    expect(third.interruptions).toMatchObject({ handled: [{ hosts: [ids[1]] }], deleted: 1 });
    expect(await depth()).toBe(0);
    expect(await stateOf(ids[1]!)).toBe('draining');
  }, 60_000);
});
