import { CreateTagsCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { PoolBackend } from '../../src/pool/backend.js';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import type { Host, ProbeResult } from '../../src/pool/host.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { policy, MIN } from './builders.js';
import { Ec2Fake } from './ec2-fake.js';

const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
const ec2 = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs';
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

/** A queue whose depth the test sets; `throttled` makes the next reads fail. */
const queue = { visible: 0, notVisible: 0, throttled: false };

let fake: Ec2Fake;
let backend: PoolBackend;
let state: PoolTickState;

beforeEach(() => {
  ec2Mock.reset();
  sqsMock.reset();
  fake = new Ec2Fake();
  fake.now = START;
  fake.install(ec2Mock);
  backend = ec2Backend({ client: ec2, pool: POOL, config });
  state = EMPTY_TICK_STATE;
  Object.assign(queue, { visible: 0, notVisible: 0, throttled: false });
  sqsMock.on(GetQueueAttributesCommand).callsFake(() => {
    if (queue.throttled) return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    return Promise.resolve({ Attributes: { ApproximateNumberOfMessages: String(queue.visible), ApproximateNumberOfMessagesNotVisible: String(queue.notVisible) } });
  });
});
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
});

const demand = sqsDemandSource(sqs, { queueUrl: QUEUE, countInFlight: true });

async function runTick(more: { dryRun?: boolean; probe?: (h: Host) => Promise<ProbeResult>; policy?: Parameters<typeof policy>[0]; backend?: PoolBackend } = {}): Promise<TickReport> {
  const report = await tick({
    pool: POOL,
    policy: policy({ minHosts: 1, maxHosts: 10, maxLaunchesPerTick: 4, ...more.policy }),
    backend: more.backend ?? backend,
    demand,
    ...(more.probe ? { probe: more.probe } : {}),
    state,
    now: fake.now,
    dryRun: more.dryRun ?? false,
  });
  state = report.state;
  return report;
}

const poolStates = () => fake.live(POOL).map((i) => i.tags[STATE]).sort();

describe('tick against the EC2 fake and an SQS queue', () => {
  it('a burst launches up to max launches per tick, never above max, and converges', async () => {
    queue.visible = 100;
    const counts: number[] = [];
    for (let t = 0; t < 5; t += 1) {
      const r = await runTick();
      expect(r.failed).toBe(false);
      counts.push(fake.live(POOL).length);
      fake.advance(MIN);
    }
    expect(counts).toEqual([4, 8, 10, 10, 10]);
    expect(poolStates()).toEqual(Array(10).fill('ready'));
    const last = await runTick();
    expect(last.launches.wanted).toBe(0);
    expect(last.why).toMatch(/n=100 .* clamped to max 10; 10 counting \(10 ready \+ 0 launching\): at the desired size/);
  });

  it('scale-down: waits the delay, drains the excess, then terminates idle drained hosts, down to min', async () => {
    queue.visible = 20;
    for (let t = 0; t < 4; t += 1) {
      await runTick();
      fake.advance(MIN);
    }
    expect(fake.live(POOL)).toHaveLength(10);
    queue.visible = 0;
    const waiting = await runTick();
    expect(waiting.moves).toEqual([]);
    expect(waiting.why).toMatch(/scale-down delay/);
    fake.advance(11 * MIN);
    const drain = await runTick();
    expect(drain.moves.filter((m) => m.to === 'draining')).toHaveLength(9);
    expect(drain.moves.every((m) => m.status === 'done')).toBe(true);
    expect(poolStates()).toEqual([...Array(9).fill('draining'), 'ready']);
    fake.advance(MIN);
    const kill = await runTick();
    expect(kill.terminated).toHaveLength(9);
    expect(kill.moves.map((m) => m.reason)).toEqual(Array(9).fill('draining and no jobs known for it and nothing in flight in the demand source'));
    fake.advance(MIN);
    await runTick();
    expect(poolStates()).toEqual(['ready']);
  });

  it('no probe: a draining host is kept while the queue shows work in flight', async () => {
    const h = fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining' }, launchTime: START - 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    queue.notVisible = 1;
    const r = await runTick({ policy: { jobsPerHost: 5 } });
    expect(r.terminated).toEqual([]);
    expect(fake.instances.get(h.id)!.state).toBe('running');
    queue.notVisible = 0;
    expect((await runTick({ policy: { jobsPerHost: 5 } })).terminated).toEqual([h.id]);
  });

  it('orphans are adopted or terminated; untagged instances and other pools are never touched', async () => {
    const running = fake.add({ tags: { [TAG]: POOL }, launchTime: START - 60 * MIN });
    const stopped = fake.add({ tags: { [TAG]: POOL }, state: 'stopped', launchTime: START - 60 * MIN });
    const untagged = fake.add({ tags: { Name: 'someone else' }, state: 'stopped' });
    const other = fake.add({ tags: { [TAG]: 'other-pool' }, state: 'stopped' });
    const r = await runTick();
    expect(r.moves.map((m) => `${m.hostId === running.id ? 'running' : 'stopped'}:${m.from}->${m.to}`).sort()).toEqual(['running:untracked->ready', 'stopped:untracked->terminating']);
    expect(fake.instances.get(running.id)!.tags[STATE]).toBe('ready');
    expect(fake.terminated).toEqual([stopped.id]);
    const touched = [...ec2Mock.commandCalls(CreateTagsCommand).flatMap((c) => c.args[0].input.Resources ?? []), ...ec2Mock.commandCalls(TerminateInstancesCommand).flatMap((c) => c.args[0].input.InstanceIds ?? [])];
    expect(touched).not.toContain(untagged.id);
    expect(touched).not.toContain(other.id);
    expect(fake.instances.get(untagged.id)!.tags).toEqual({ Name: 'someone else' });
  });

  it('an unknown demand: the tick fails, nothing launched or drained', async () => {
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    queue.throttled = true;
    const r = await runTick({ policy: { minHosts: 5 } });
    expect(r.failed).toBe(true);
    expect(r.errors).toEqual([expect.stringMatching(/^demand: SQS GetQueueAttributes: queue jobs: AWS throttled/)]);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(poolStates()).toEqual(['ready', 'ready']);
  });

  it('the probe is asked again right before a terminate: a host that took a job is kept', async () => {
    const d = fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining' }, launchTime: START - 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    const answers: ProbeResult[] = [{ ok: true, healthy: true, jobs: 0 }, { ok: true, healthy: true, jobs: 1 }];
    const probe = async (h: Host): Promise<ProbeResult> => (h.id === d.id ? answers.shift()! : { ok: true, healthy: true, jobs: 1 });
    const r = await runTick({ probe });
    expect(r.moves).toEqual([expect.objectContaining({ hostId: d.id, to: 'terminating', status: 'refused', error: 're-check before terminate: the probe now says 1 job(s): kept' })]);
    expect(fake.terminated).toEqual([]);
    expect(fake.instances.get(d.id)!.tags[STATE]).toBe('draining');
  });

  it('a terminate that failed once is asked again before the retry: the host that took jobs since is kept', async () => {
    const d = fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining' }, launchTime: START - 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    let jobs = 0;
    const probe = async (h: Host): Promise<ProbeResult> => (h.id === d.id ? { ok: true, healthy: true, jobs } : { ok: true, healthy: true, jobs: 1 });
    fake.failNext.set('TerminateInstances', 'RequestLimitExceeded');
    const first = await runTick({ probe });
    expect(first.failed).toBe(true);
    expect(fake.instances.get(d.id)!.tags[STATE]).toBe('terminating');
    expect(fake.instances.get(d.id)!.state).toBe('running');
    // The host took two jobs before the next tick.
    jobs = 2;
    fake.advance(MIN);
    const retry = await runTick({ probe });
    expect(retry.terminated).toEqual([]);
    expect(fake.instances.get(d.id)!.state).toBe('running');
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
    // Once it is idle again, the retry goes out.
    jobs = 0;
    fake.advance(MIN);
    expect((await runTick({ probe })).terminated).toEqual([d.id]);
  });

  it('a retry whose probe no longer answers is kept (it was shown idle, not broken); without a probe the demand is asked', async () => {
    const d = fake.add({ tags: { [TAG]: POOL, [STATE]: 'terminating', 'evalai-autoscaler:state-since': new Date(START - MIN).toISOString() }, launchTime: START - 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    const probe = async (h: Host): Promise<ProbeResult> => (h.id === d.id ? { ok: false, error: 'ECONNREFUSED' } : { ok: true, healthy: true, jobs: 1 });
    expect((await runTick({ probe })).terminated).toEqual([]);
    queue.notVisible = 1;
    expect((await runTick({ policy: { jobsPerHost: 5 } })).terminated).toEqual([]);
    queue.notVisible = 0;
    expect((await runTick({ policy: { jobsPerHost: 5 } })).terminated).toEqual([d.id]);
  });

  it('a launch timeout or an unhealthy timeout is asked too: a probe answering jobs keeps the host; one that cannot answer does not', async () => {
    const since = (ms: number) => new Date(START - ms).toISOString();
    const slow = fake.add({ tags: { [TAG]: POOL, [STATE]: 'launching', 'evalai-autoscaler:state-since': since(11 * MIN) }, launchTime: START - 11 * MIN });
    const sick = fake.add({ tags: { [TAG]: POOL, [STATE]: 'unhealthy', 'evalai-autoscaler:state-since': since(13 * 60 * MIN) }, launchTime: START - 14 * 60 * MIN });
    const dead = fake.add({ tags: { [TAG]: POOL, [STATE]: 'unhealthy', 'evalai-autoscaler:state-since': since(13 * 60 * MIN) }, launchTime: START - 14 * 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    const answers = new Map<string, ProbeResult[]>([
      // Unhealthy at the look (so still launching, then past its timeout); two jobs by the re-check.
      [slow.id, [{ ok: true, healthy: false, jobs: 0 }, { ok: true, healthy: false, jobs: 2 }]],
      [sick.id, [{ ok: true, healthy: false, jobs: 0 }, { ok: true, healthy: false, jobs: 1 }]],
      [dead.id, [{ ok: false, error: 'ECONNREFUSED' }, { ok: false, error: 'ECONNREFUSED' }]],
    ]);
    const probe = async (h: Host): Promise<ProbeResult> => answers.get(h.id)?.shift() ?? { ok: true, healthy: true, jobs: 1 };
    const r = await runTick({ probe, policy: { launchTimeoutMs: 10 * MIN, unhealthyTimeoutMs: 12 * 60 * MIN } });
    expect(r.terminated).toEqual([dead.id]);
    const refused = r.moves.filter((m) => m.status === 'refused').map((m) => [m.hostId, m.error]);
    expect(refused).toEqual([
      [slow.id, 're-check before terminate: the probe now says 2 job(s): kept'],
      [sick.id, 're-check before terminate: the probe now says 1 job(s): kept'],
    ]);
    expect(fake.terminated).toEqual([dead.id]);
  });

  it('no probe: the demand is read again right before a terminate; work in flight again keeps the host', async () => {
    const d = fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining' }, launchTime: START - 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    let reads = 0;
    sqsMock.on(GetQueueAttributesCommand).callsFake(() => {
      reads += 1;
      // The first read (observe) shows nothing in flight; by the re-check a job has been received.
      return Promise.resolve({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: reads === 1 ? '0' : '1' } });
    });
    const r = await runTick();
    expect(reads).toBe(2);
    expect(r.moves).toEqual([expect.objectContaining({ hostId: d.id, to: 'terminating', status: 'refused', error: 're-check before terminate: 1 job(s) in flight again: kept' })]);
    expect(fake.terminated).toEqual([]);
  });

  it('a failed probe marks a ready host unhealthy and a replacement is launched', async () => {
    const sick = fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    const probe = async (h: Host): Promise<ProbeResult> => (h.id === sick.id ? { ok: false, error: 'ECONNREFUSED' } : { ok: true, healthy: true, jobs: 0 });
    queue.notVisible = 1;
    const r = await runTick({ probe, policy: { jobsPerHost: 5 } });
    expect(r.moves.map((m) => [m.hostId, m.to, m.reason])).toEqual([[sick.id, 'unhealthy', 'probe failed: ECONNREFUSED']]);
    expect(r.launches.launched).toHaveLength(1);
  });

  it('a dry run decides the same and changes nothing', async () => {
    queue.visible = 10;
    fake.add({ tags: { [TAG]: POOL }, launchTime: START - 60 * MIN });
    const r = await runTick({ dryRun: true });
    expect(r.moves.map((m) => [m.to, m.status])).toEqual([['ready', 'planned']]);
    expect(r.launches).toMatchObject({ wanted: 4, status: 'planned', launched: [] });
    expect(r.state).toBe(EMPTY_TICK_STATE);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('two schedulers deciding from the same view do not exceed max: the re-count holds', async () => {
    queue.visible = 100;
    const stale = await backend.list();
    const second: PoolBackend = { ...backend, list: async () => stale };
    await runTick({ policy: { maxLaunchesPerTick: 10 } });
    const r = await runTick({ policy: { maxLaunchesPerTick: 10 }, backend: second });
    expect(r.launches.wanted).toBe(10);
    expect(r.launches.launched).toEqual([]);
    expect(r.launches.reason).toMatch(/the re-count right before launching found 10 ready \+ launching, room for 0/);
    expect(fake.live(POOL)).toHaveLength(10);
  });

  it('capacity errors fall back to on-demand and the backoff is kept for the next tick', async () => {
    queue.visible = 1;
    fake.capacity = (market) => (market === 'spot' ? 'InsufficientInstanceCapacity' : null);
    const r = await runTick();
    expect(r.launches.attempts.map((a) => `${a.offer} ${a.outcome}`)).toEqual(['spot template type capacity', 'on-demand template type launched']);
    expect(state.backoff).toEqual({ 'spot:template': { until: START + 60_000, stepMs: 60_000 } });
  });

  it('an instance launching past the timeout is terminated and replaced', async () => {
    const stuck = fake.add({ tags: { [TAG]: POOL, [STATE]: 'launching', 'evalai-autoscaler:state-since': new Date(START - 11 * MIN).toISOString() }, state: 'pending', launchTime: START - 11 * MIN });
    const r = await runTick();
    expect(r.moves.map((m) => [m.hostId, m.to])).toEqual([[stuck.id, 'terminating']]);
    expect(fake.terminated).toEqual([stuck.id]);
    expect(r.launches.launched).toHaveLength(1);
  });

  it('a 500-host pool with 10,000 queued jobs: DescribeInstances pages, one batched RunInstances', async () => {
    fake.pageSize = 100;
    for (let i = 0; i < 500; i += 1) fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    queue.visible = 10_000;
    // 10,000 + 2 x 100 = 10,200 jobs at 20 per host = 510 hosts: 10 to launch, in one call.
    const r = await runTick({ policy: { maxHosts: 600, jobsPerHost: 20, maxLaunchesPerTick: 50 } });
    expect(r.launches.launched).toHaveLength(10);
    const calls = ec2Mock.calls().map((c) => c.args[0].constructor.name.replace('Command', ''));
    // 5 pages to list, 5 to re-count before launching, one RunInstances with MaxCount 10.
    expect(calls).toEqual([...Array(10).fill('DescribeInstances'), 'RunInstances']);
    expect(ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input).toMatchObject({ MinCount: 1, MaxCount: 10 });
    expect(sqsMock.commandCalls(GetQueueAttributesCommand)).toHaveLength(1);
  });

  it('an instance terminated outside the tool moves to terminated once, with EC2\'s reason; so do the tool\'s own', async () => {
    const spot = fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN, spot: true });
    const idle = fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining' }, launchTime: START - 60 * MIN });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    const probe = async (): Promise<ProbeResult> => ({ ok: true, healthy: true, jobs: 0 });
    fake.reclaim(spot.id);
    const first = await runTick({ probe });
    expect(first.terminated).toEqual([idle.id]);
    const gone = first.moves.filter((m) => m.to === 'terminated');
    expect(gone).toEqual([expect.objectContaining({ hostId: spot.id, from: 'ready', status: 'done', reason: 'instance gone: EC2 says terminated (Server.SpotInstanceTermination: Spot instance termination)' })]);
    expect(fake.instances.get(spot.id)!.tags[STATE]).toBe('terminated');
    // The tool's own terminate: shutting-down, then terminated, still shown by EC2 for an hour.
    fake.advance(MIN);
    fake.advance(MIN);
    const second = await runTick({ probe });
    expect(second.moves.filter((m) => m.to === 'terminated')).toEqual([
      expect.objectContaining({ hostId: idle.id, from: 'terminating', reason: expect.stringMatching(/^instance gone: EC2 says terminated \(Client\.UserInitiatedShutdown: User initiated shutdown; User initiated \(/) }),
    ]);
    expect(fake.instances.get(idle.id)!.tags[STATE]).toBe('terminated');
    // Recorded once: the next ticks (EC2 still shows both) move nothing.
    fake.advance(MIN);
    const third = await runTick({ probe });
    expect(third.moves).toEqual([]);
    expect(third.terminated).toEqual([]);
  });

  it('a gone host whose tag cannot be written is still recorded once (the pool state remembers it), and the tick does not fail for it', async () => {
    const spot = fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN, spot: true });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    fake.reclaim(spot.id);
    fake.failNext.set('CreateTags', 'IncorrectState');
    const first = await runTick();
    expect(first.moves).toEqual([expect.objectContaining({ hostId: spot.id, to: 'terminated', status: 'failed' })]);
    expect(first.failed).toBe(false);
    expect(fake.instances.get(spot.id)!.tags[STATE]).toBe('ready');
    fake.advance(MIN);
    expect((await runTick()).moves).toEqual([]);
  });

  it('terminated instances count apart: not towards max, and a launch replaces a reclaimed host', async () => {
    queue.notVisible = 2;
    const a = fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN, spot: true });
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN, spot: true });
    fake.reclaim(a.id);
    const r = await runTick({ policy: { minHosts: 2, maxHosts: 2, jobsPerHost: 100 } });
    expect(r.launches.launched).toHaveLength(1);
    expect(fake.live(POOL)).toHaveLength(2);
  });

  it('the re-checks before a terminate run side by side, then one TerminateInstances: a barrier holding every answer until all are asked opens', { timeout: 30_000 }, async () => {
    const idle = Array.from({ length: 12 }, () => fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining' }, launchTime: START - 60 * MIN }));
    fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    const asked = new Map<string, number>();
    // The observe probes answer at once; each re-check waits until every host's re-check is in
    // flight. Re-checked one at a time, the first would wait for ever (bounded by the test's timeout).
    const held: Array<() => void> = [];
    let peak = 0;
    const probe = async (h: Host): Promise<ProbeResult> => {
      const n = (asked.get(h.id) ?? 0) + 1;
      asked.set(h.id, n);
      if (!idle.some((i) => i.id === h.id)) return { ok: true, healthy: true, jobs: 1 };
      if (n === 1) return { ok: true, healthy: true, jobs: 0 };
      await new Promise<void>((release) => {
        held.push(release);
        peak = Math.max(peak, held.length);
        if (held.length === idle.length) for (const r of held.splice(0)) r();
      });
      return { ok: true, healthy: true, jobs: 0 };
    };
    const r = await runTick({ probe });
    expect(peak).toBe(idle.length);
    expect([...r.terminated].sort()).toEqual(idle.map((i) => i.id).sort());
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(1);
  });

  it('probes run probeConcurrency at a time, at the look and for the re-checks', async () => {
    for (let k = 0; k < 10; k += 1) fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining' }, launchTime: START - 60 * MIN });
    let calls = 0;
    let inFlight = 0;
    // The peak at the look (the first 10 calls), then during the re-checks.
    const peak = [0, 0];
    const probe = async (): Promise<ProbeResult> => {
      const phase = calls < 10 ? 0 : 1;
      calls += 1;
      inFlight += 1;
      peak[phase] = Math.max(peak[phase]!, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { ok: true, healthy: true, jobs: 0 };
    };
    const r = await tick({ pool: POOL, policy: policy({ minHosts: 0, maxHosts: 10 }), backend, demand, probe, probeConcurrency: 3, state, now: fake.now, dryRun: false });
    expect(r.terminated).toHaveLength(10);
    expect(calls).toBe(20);
    expect(peak).toEqual([3, 3]);
  });

  it('a listing error fails the tick before any decision', async () => {
    fake.failNext.set('DescribeInstances', 'UnauthorizedOperation');
    const r = await runTick();
    expect(r).toMatchObject({ failed: true, why: 'the pool could not be listed: nothing decided' });
    expect(r.errors[0]).toMatch(/^observe: EC2 DescribeInstances: pool trainers: not authorised/);
  });
});
