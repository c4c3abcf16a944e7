import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { PoolBackend } from '../../src/pool/backend.js';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import type { Host, ProbeResult } from '../../src/pool/host.js';
import { fileIntentStore } from '../../src/pool/ledger-file.js';
import type { PoolPolicy } from '../../src/pool/policy.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { policy, MIN } from './builders.js';
import { Ec2Fake } from './ec2-fake.js';

/**
 * The launch path under faults (issue 17 items 1, 2, 12, 13, 14): the live cap, launches written
 * down before they are sent, answers lost or garbled, listings that lag, dry runs that ask EC2.
 */
const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
const ec2 = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const START = Date.UTC(2026, 10, 29, 12, 0, 0);
const POOL = 'trainers';
const TAG = 'evalai-autoscaler:pool';
const STATE = 'evalai-autoscaler:state';

const config: Ec2BackendConfig = {
  type: 'ec2',
  // About RunInstances: the allocation that launches through it (the default is CreateFleet).
  allocation: 'lowest-price-order',
  launchTemplate: { name: 'trainer', version: '$Default' },
  instanceTypes: [],
  market: 'spot',
  onDemandFallback: true,
  capacityBackoff: 15 * 60_000,
  tags: {},
};

const queue = { visible: 0, notVisible: 0 };
let fake: Ec2Fake;
let state: PoolTickState;
let dir: string;

beforeEach(() => {
  ec2Mock.reset();
  sqsMock.reset();
  fake = new Ec2Fake();
  fake.now = START;
  fake.install(ec2Mock);
  state = EMPTY_TICK_STATE;
  dir = mkdtempSync(join(tmpdir(), 'launch-cap-'));
  Object.assign(queue, { visible: 0, notVisible: 0 });
  sqsMock.on(GetQueueAttributesCommand).callsFake(() =>
    Promise.resolve({ Attributes: { ApproximateNumberOfMessages: String(queue.visible), ApproximateNumberOfMessagesNotVisible: String(queue.notVisible) } }),
  );
});
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
});

const demand = sqsDemandSource(sqs, { queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/jobs', countInFlight: true });
const ledgerPath = () => join(dir, 'ledger.json');
/** A backend as a run builds it: the ledger in a file of its state directory (a new object each run). */
const fileBackend = (schedulerId = 's-one', more: Partial<Ec2BackendConfig> = {}): PoolBackend =>
  ec2Backend({ client: ec2, pool: POOL, config: { ...config, ...more }, ledger: fileIntentStore(ledgerPath(), POOL), schedulerId });

async function runTick(more: { dryRun?: boolean; probe?: (h: Host) => Promise<ProbeResult>; policy?: Partial<PoolPolicy>; backend?: PoolBackend } = {}): Promise<TickReport> {
  const report = await tick({
    pool: POOL,
    policy: policy({ minHosts: 0, maxHosts: 4, maxLaunchesPerTick: 10, ...more.policy }),
    backend: more.backend ?? fileBackend(),
    demand,
    ...(more.probe ? { probe: more.probe } : {}),
    state,
    now: fake.now,
    dryRun: more.dryRun ?? false,
    validateLaunches: true,
  });
  if (!more.dryRun) state = report.state;
  return report;
}

const live = () => fake.live(POOL).length;

describe('the live cap (policy.maxLiveHosts)', () => {
  it('every probe failing: live instances never exceed maxLiveHosts (default maxHosts + ceil(maxHosts / 2)), and the report says the cap holds', async () => {
    // A full pool whose hosts were ready when the probe went down: they turn unhealthy (kept until
    // the unhealthy timeout, their jobs unknown), replacements never pass the probe either.
    // Jobs in flight: the unhealthy hosts may hold them, so they are kept.
    for (let k = 0; k < 4; k += 1) fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    Object.assign(queue, { visible: 5, notVisible: 5 });
    const down = async (): Promise<ProbeResult> => ({ ok: false, error: 'connect ECONNREFUSED' });
    const seen: number[] = [];
    let last: TickReport | undefined;
    for (let t = 0; t < 12; t += 1) {
      last = await runTick({ probe: down });
      seen.push(live());
      fake.advance(11 * MIN); // past the launch timeout each time: the worst case
    }
    expect(Math.max(...seen)).toBeLessThanOrEqual(6);
    expect(last!.launches.reason).toMatch(/room for \d .*the live cap holds: \d live \+ 0 not yet listed, maxLiveHosts 6/);
    expect(last!.launches.status).toBe('failed');
  });

  it('an explicit maxLiveHosts equal to maxHosts: no replacement while unhealthy hosts are still alive', async () => {
    queue.visible = 10;
    const down = async (): Promise<ProbeResult> => ({ ok: false, error: 'timeout' });
    for (let k = 0; k < 4; k += 1) fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    queue.notVisible = 5;
    for (let t = 0; t < 6; t += 1) {
      await runTick({ probe: down, policy: { maxLiveHosts: 4 } });
      expect(live()).toBeLessThanOrEqual(4);
      fake.advance(MIN);
    }
  });
});

describe('launches written down before they are sent', () => {
  it('RunInstances acts and its answer is lost: no other offer tried, the tick fails, and the next tick re-sends the same token and gets the same instances', async () => {
    queue.visible = 10;
    fake.afterRun = () => {
      fake.afterRun = null;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    const first = await runTick();
    expect(first.failed).toBe(true);
    expect(first.launches.status).toBe('failed');
    expect(first.launches.error).toMatch(/outcome unknown .*stays counted/);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(live()).toBe(4);
    const token = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input.ClientToken;
    expect(JSON.parse(readFileSync(ledgerPath(), 'utf8')).intents).toEqual([expect.objectContaining({ token, count: 4, instanceIds: null })]);

    // The next tick's listing lags (the instances are a second old): it wants 4 again.
    fake.hideYoungerThanMs = 5_000;
    fake.advance(1_000);
    const second = await runTick();
    expect(second.launches.wanted).toBe(4);
    const runs = ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(runs).toHaveLength(2);
    expect(runs[1]).toEqual(runs[0]); // the same token and the same parameters
    expect(second.launches.attempts).toEqual([expect.objectContaining({ outcome: 'resolved', count: 4 })]);
    expect(second.launches.launched).toEqual(runs.length ? fake.live(POOL).map((i) => i.id) : []); // named now: launched by the first tick, reported by this one
    expect(second.failed).toBe(false);
    expect(live()).toBe(4);
    expect(JSON.parse(readFileSync(ledgerPath(), 'utf8')).intents[0].instanceIds).toHaveLength(4);
  });

  it('a 200 without any instance (an answer that cannot be read) is an unknown outcome: nothing launched on top', async () => {
    queue.visible = 10;
    fake.answerEmpty = true;
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(r.launches.error).toMatch(/outcome unknown/);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1); // the on-demand offer was not tried
    fake.answerEmpty = false;
    for (let t = 0; t < 3; t += 1) {
      fake.advance(1_000);
      await runTick();
      expect(live()).toBeLessThanOrEqual(4);
    }
  });

  it('an AWS 500 is an unknown outcome, a capacity error a definite refusal (next offer tried, intent dropped)', async () => {
    queue.visible = 10;
    fake.failNext.set('RunInstances', 'InternalError');
    const r = await runTick();
    expect(r.launches.error).toMatch(/outcome unknown/);
    expect(JSON.parse(readFileSync(ledgerPath(), 'utf8')).intents).toHaveLength(1);

    fake.capacity = (market) => (market === 'spot' ? 'InsufficientInstanceCapacity' : null);
    fake.advance(1_000);
    const again = await runTick();
    // The lost one is re-sent first: the fake never saw it, so EC2 now refuses it (capacity) and it is dropped.
    expect(again.launches.attempts.map((a) => a.outcome)).toEqual(['error', 'avoided', 'launched']);
    expect(live()).toBe(4);
    const intents = JSON.parse(readFileSync(ledgerPath(), 'utf8')).intents as Array<{ instanceIds: string[] | null }>;
    expect(intents.map((i) => i.instanceIds?.length ?? null)).toEqual([4]);
  });

  it('a listing that hides instances younger than 5 s: three ticks 1 s apart stay at max', async () => {
    queue.visible = 100;
    fake.hideYoungerThanMs = 5_000;
    const counts: number[] = [];
    for (let t = 0; t < 3; t += 1) {
      await runTick();
      counts.push(live());
      fake.advance(1_000);
    }
    expect(counts).toEqual([4, 4, 4]);
  });

  it('an instance launched and reclaimed before any listing showed it is not counted as still coming', async () => {
    queue.visible = 1;
    await runTick({ policy: { maxHosts: 2 } });
    const [first] = fake.live(POOL);
    first!.state = 'terminated';
    fake.advance(MIN);
    const r = await runTick({ policy: { maxHosts: 2 } });
    expect(r.launches.launched.length).toBeGreaterThan(0);
  });
});

describe('a shortfall is a failure', () => {
  it('capacity errors on every offer while below max: status failed, the tick fails', async () => {
    queue.visible = 3;
    fake.capacity = () => 'InsufficientInstanceCapacity';
    const r = await runTick();
    expect(r.launches.status).toBe('failed');
    expect(r.failed).toBe(true);
  });

  it('fewer than wanted (spot had room for 1, on-demand none): failed, not done', async () => {
    queue.visible = 3;
    fake.launchAtMost = 1;
    fake.capacity = (market) => (market === 'spot' ? null : 'InsufficientInstanceCapacity');
    const r = await runTick();
    expect(r.launches.launched).toHaveLength(1);
    expect(r.launches.wanted).toBe(4);
    expect(r.launches.status).toBe('failed');
    expect(r.launches.error).toMatch(/^launched 1 of 4 while below max 4/);
    expect(r.failed).toBe(true);
  });

  it('at max because of launches not yet listed: not a failure', async () => {
    queue.visible = 100;
    fake.hideYoungerThanMs = 5_000;
    await runTick();
    fake.advance(1_000);
    const r = await runTick();
    expect(r.launches.launched).toEqual([]);
    expect(r.launches.status).toBe('done');
    expect(r.failed).toBe(false);
  });
});

describe('a dry run asks EC2 (DryRun) about what it would launch', () => {
  it('DryRunOperation: planned, nothing launched, no intent written', async () => {
    queue.visible = 2;
    const r = await runTick({ dryRun: true });
    const runs = ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(runs).toEqual([expect.objectContaining({ DryRun: true, MaxCount: 4 })]);
    expect(r.launches.status).toBe('planned');
    expect(r.launches.attempts).toEqual([expect.objectContaining({ outcome: 'would-launch', count: 4 })]);
    expect(r.failed).toBe(false);
    expect(live()).toBe(0);
    expect(existsSync(ledgerPath())).toBe(false);
  });

  it.each([
    ['UnauthorizedOperation', /not authorised/],
    ['InvalidAMIID.NotFound', /InvalidAMIID\.NotFound/],
    ['InvalidSubnetID.NotFound', /InvalidSubnetID\.NotFound/],
    ['InvalidParameterValue', /refused the parameters/],
  ])('%s: the launch line fails as the real run would', async (code, message) => {
    queue.visible = 2;
    fake.dryRunAnswer = code;
    const r = await runTick({ dryRun: true });
    expect(r.launches.status).toBe('failed');
    expect(r.launches.error).toMatch(message);
    expect(r.failed).toBe(true);
    expect(existsSync(ledgerPath())).toBe(false);
  });
});

describe('a second scheduler without coordination', () => {
  it('an instance of the pool launched recently by another scheduler: no launch this tick, an error naming it and backend.coordination', async () => {
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'launching', 'evalai-autoscaler:scheduler': 's-other' }, state: 'pending' });
    queue.visible = 10;
    const r = await runTick();
    expect(r.launches.launched).toEqual([]);
    expect(r.failed).toBe(true);
    expect(r.launches.error).toMatch(/another scheduler \(id s-other\).*backend\.coordination/);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('its own instances, and old ones of another id, do not stop it', async () => {
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready', 'evalai-autoscaler:scheduler': 's-one' } });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready', 'evalai-autoscaler:scheduler': 's-gone' }, launchTime: START - 60 * MIN });
    queue.visible = 10;
    const r = await runTick();
    expect(r.launches.launched).toHaveLength(2);
  });
});
