import { EC2Client } from '@aws-sdk/client-ec2';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type DeleteMessageBatchCommandInput, type ReceiveMessageCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import { sqsInterruptionSource } from '../../src/pool/interruption-queue.js';
import type { PauseHold } from '../../src/pool/pause.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { policy, MIN } from './builders.js';
import { Ec2Fake, type FakeInstance } from './ec2-fake.js';
import { fixture } from './interruption-fixtures.js';

const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const ec2 = new EC2Client({ region: 'us-east-1', credentials });
const sqs = new SQSClient({ region: 'us-east-1', credentials });
const JOBS = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs';
const EVENTS = 'https://sqs.us-east-1.amazonaws.com/123456789012/pool-interruptions';
const START = Date.UTC(2026, 10, 29, 12, 0, 0);
const POOL = 'trainers';
const TAG = 'evalai-autoscaler:pool';
const STATE = 'evalai-autoscaler:state';
const config: Ec2BackendConfig = { type: 'ec2', allocation: 'lowest-price-order', launchTemplate: { name: 'trainer', version: '$Default' }, instanceTypes: [], market: 'spot', onDemandFallback: true, capacityBackoff: 15 * 60_000, tags: {} };

/** The interruption queue: its messages (visible or not), and faults for the next calls. */
interface Msg {
  id: string;
  body: string;
  handle: string;
}
let messages: Msg[];
let receives: ReceiveMessageCommandInput[];
let fault: { receive?: () => unknown; delete?: () => unknown };
let fake: Ec2Fake;
let state: PoolTickState;

beforeEach(() => {
  ec2Mock.reset();
  sqsMock.reset();
  fake = new Ec2Fake();
  fake.now = START;
  fake.install(ec2Mock);
  state = EMPTY_TICK_STATE;
  messages = [];
  receives = [];
  fault = {};
  // One job in flight: 1 + 2*sqrt(1) = 3 hosts wanted.
  sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' } });
  sqsMock.on(ReceiveMessageCommand).callsFake((input: ReceiveMessageCommandInput) => {
    receives.push(input);
    if (fault.receive) return fault.receive();
    // Visibility: a message received is hidden from later receives of the same tick (the receive loop).
    const seen = new Set(receives.length > 1 ? handedOut : []);
    const batch = messages.filter((m) => !seen.has(m.id)).slice(0, input.MaxNumberOfMessages ?? 1);
    if (input.VisibilityTimeout !== 0) for (const m of batch) handedOut.push(m.id);
    return Promise.resolve({ Messages: batch.map((m) => ({ MessageId: m.id, ReceiptHandle: m.handle, Body: m.body })) });
  });
  sqsMock.on(DeleteMessageBatchCommand).callsFake((input: DeleteMessageBatchCommandInput) => {
    if (fault.delete) return fault.delete();
    const entries = input.Entries ?? [];
    messages = messages.filter((m) => !entries.some((e) => e.ReceiptHandle === m.handle));
    return Promise.resolve({ Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] });
  });
});
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
});

let handedOut: string[] = [];
beforeEach(() => (handedOut = []));

function send(body: string): void {
  const n = messages.length + handedOut.length + 1;
  messages.push({ id: `msg-${n}`, body, handle: `handle-${n}` });
}

function threeReady(): FakeInstance[] {
  return [0, 1, 2].map(() => fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, spot: true, launchTime: START - 60 * MIN }));
}

async function runTick(more: { dryRun?: boolean; claim?: (target: string, action: string) => string | null; hold?: PauseHold } = {}): Promise<TickReport> {
  handedOut = [];
  receives = [];
  const report = await tick({
    pool: POOL,
    policy: policy({ minHosts: 1, maxHosts: 10, maxLaunchesPerTick: 4 }),
    backend: ec2Backend({ client: ec2, pool: POOL, config }),
    demand: sqsDemandSource(sqs, { queueUrl: JOBS, countInFlight: true }),
    interruptions: sqsInterruptionSource(sqs, EVENTS),
    state,
    now: fake.now,
    dryRun: more.dryRun ?? false,
    ...(more.claim ? { claim: more.claim } : {}),
    ...(more.hold ? { hold: more.hold } : {}),
  });
  state = report.state;
  return report;
}

const warning = (id: string) => fixture('spot-interruption-warning').replaceAll('i-1234567890abcdef0', id);

describe('tick with an interruption queue', () => {
  it('a spot warning for a pool host: drained at once with its reason, a replacement launched the same tick, the message deleted', async () => {
    const [a, b] = threeReady();
    send(warning(b!.id));
    send(warning('i-0f0f0f0f0f0f0f0f0')); // another instance: deleted without effect
    const r = await runTick();
    expect(r.failed).toBe(false);
    expect(b!.tags[STATE]).toBe('draining');
    expect(a!.tags[STATE]).toBe('ready');
    expect(r.moves).toEqual([expect.objectContaining({ hostId: b!.id, to: 'draining', status: 'done', reason: expect.stringMatching(/^spot interruption warning for i-\w+ at 2026-11-29T12:03:00Z/) })]);
    expect(r.launches.launched).toHaveLength(1);
    expect(fake.live(POOL)).toHaveLength(4);
    expect(messages).toEqual([]);
    expect(r.interruptions).toMatchObject({ queue: 'queue pool-interruptions', received: 2, handled: [{ kind: 'spot-interruption', hosts: [b!.id] }], foreign: 1, deleted: 2, kept: [], unreadable: [] });
    expect(receives[0]).toMatchObject({ QueueUrl: EVENTS, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });

    // The next tick: no message left, more work: the warned host is not recaptured.
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3', ApproximateNumberOfMessagesNotVisible: '1' } });
    fake.advance(MIN);
    const next = await runTick();
    expect(next.moves.filter((m) => m.hostId === b!.id)).toEqual([]);
    expect(b!.tags[STATE]).toBe('draining');
  });

  it('a garbled message drains nothing, does not stop the tick, and is left in the queue for its dead-letter queue', async () => {
    threeReady();
    send('{"detail-type": "EC2 Spot Instance Interruption Warning", "detail": {"instance-id": ');
    const r = await runTick();
    expect(r.failed).toBe(false);
    expect(r.moves).toEqual([]);
    expect(messages).toHaveLength(1);
    expect(r.interruptions?.unreadable).toEqual([{ messageId: 'msg-1', reason: expect.stringMatching(/^not JSON/) }]);
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toEqual([]);
  });

  it('a tick that could not list the pool deletes nothing: the warning is handled by the next tick', async () => {
    const [, b] = threeReady();
    send(warning(b!.id));
    fake.failNext.set('DescribeInstances', 'RequestLimitExceeded');
    const failed = await runTick();
    expect(failed.failed).toBe(true);
    expect(messages).toHaveLength(1);
    expect(failed.interruptions?.kept).toEqual([{ messageId: 'msg-1', reason: 'the pool could not be listed: left for the next receive' }]);
    const r = await runTick();
    expect(b!.tags[STATE]).toBe('draining');
    expect(messages).toEqual([]);
    expect(r.launches.launched).toHaveLength(1);
  });

  it('a drain whose state tag could not be written keeps its message for the next tick', async () => {
    const [, b] = threeReady();
    send(warning(b!.id));
    fake.failNext.set('CreateTags', 'RequestLimitExceeded');
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(messages).toHaveLength(1);
    expect(r.interruptions?.kept).toEqual([{ messageId: 'msg-1', reason: expect.stringMatching(new RegExp(`^the move of ${b!.id} to draining was failed`)) }]);
    await runTick();
    expect(b!.tags[STATE]).toBe('draining');
    expect(messages).toEqual([]);
  });

  it('a drain refused by --max-actions keeps its message: the next run drains the host', async () => {
    const [, b] = threeReady();
    send(warning(b!.id));
    const r = await runTick({ claim: (target) => (target.startsWith('host ') ? '--max-actions 0 reached' : null) });
    expect(r.moves).toEqual([expect.objectContaining({ hostId: b!.id, to: 'draining', status: 'refused' })]);
    expect(b!.tags[STATE]).toBe('ready');
    expect(messages).toHaveLength(1);
    expect(r.interruptions?.kept).toEqual([{ messageId: 'msg-1', reason: expect.stringMatching(/was refused \(--max-actions 0 reached\)/) }]);
    await runTick();
    expect(b!.tags[STATE]).toBe('draining');
    expect(messages).toEqual([]);
  });

  it('a paused pool holds the drain of a warned host and keeps its message; once resumed, the next tick drains it', async () => {
    const [, b] = threeReady();
    send(warning(b!.id));
    const r = await runTick({ hold: { pause: { since: START - 5 * MIN, by: 'alice@ops', reason: 'upgrade' } } });
    expect(r.moves).toEqual([expect.objectContaining({ hostId: b!.id, to: 'draining', status: 'held' })]);
    expect(b!.tags[STATE]).toBe('ready');
    expect(messages).toHaveLength(1);
    expect(r.interruptions?.kept).toEqual([{ messageId: 'msg-1', reason: expect.stringMatching(/to draining was held/) }]);
    await runTick();
    expect(b!.tags[STATE]).toBe('draining');
    expect(messages).toEqual([]);
  });

  it('a queue that cannot be read fails the tick but the pool is still sized', async () => {
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    fault.receive = () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(r.errors).toContainEqual(expect.stringMatching(/^interruption queue: SQS ReceiveMessage: .*the pool is sized without its notices this tick$/));
    expect(r.launches.launched).toHaveLength(2);
  });

  it('a receive answer that is not a list, or messages without a receipt handle, act on nothing', async () => {
    const [, b] = threeReady();
    fault.receive = () => Promise.resolve({ Messages: { MessageId: 'x' } });
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(r.moves).toEqual([]);
    fault.receive = () => Promise.resolve({ Messages: [{ MessageId: 'x', Body: warning(b!.id) }] });
    const r2 = await runTick();
    expect(r2.moves).toEqual([]);
    expect(r2.interruptions?.unreadable).toEqual([{ messageId: '(none)', reason: expect.stringMatching(/1 message\(s\) without an id or receipt handle/) }]);
  });

  it('a delete that fails fails the tick and says the messages come back; handled again they change nothing', async () => {
    const [, b] = threeReady();
    send(warning(b!.id));
    fault.delete = () => Promise.reject(Object.assign(new Error('We encountered an internal error'), { name: 'InternalError', $fault: 'server' }));
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(r.errors).toContainEqual(expect.stringMatching(/interruption queue: 1 message\(s\) not deleted .*come back after the queue's visibility timeout/));
    expect(b!.tags[STATE]).toBe('draining');
    fault.delete = undefined;
    const again = await runTick();
    expect(again.moves).toEqual([]);
    expect(again.launches.launched).toEqual([]);
    expect(again.interruptions).toMatchObject({ handled: [{ hosts: [b!.id] }], deleted: 1 });
    expect(messages).toEqual([]);
  });

  it('a partly failed batch delete reports the failed entries only', async () => {
    const [a, b] = threeReady();
    send(warning(a!.id));
    send(warning(b!.id));
    fault.delete = () => Promise.resolve({ Successful: [{ Id: 'm0' }], Failed: [{ Id: 'm1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] });
    const r = await runTick();
    expect(r.interruptions?.deleted).toBe(1);
    expect(r.errors).toContainEqual(expect.stringMatching(/1 message\(s\) not deleted \(SQS DeleteMessageBatch: queue pool-interruptions: ReceiptHandleIsInvalid\)/));
  });

  it('a dry run shows the drain and the launch, leaves the messages visible and deletes nothing', async () => {
    const [, b] = threeReady();
    send(warning(b!.id));
    const r = await runTick({ dryRun: true });
    expect(r.moves).toEqual([expect.objectContaining({ hostId: b!.id, to: 'draining', status: 'planned' })]);
    expect(r.launches).toMatchObject({ wanted: 1, status: 'planned' });
    expect(b!.tags[STATE]).toBe('ready');
    expect(receives[0]).toMatchObject({ VisibilityTimeout: 0 });
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)).toEqual([]);
    expect(r.interruptions?.kept).toEqual([{ messageId: 'msg-1', reason: 'dry run: left in the queue' }]);
  });
});
