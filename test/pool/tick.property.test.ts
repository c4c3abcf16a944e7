import { EC2Client } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import type { Host, ProbeResult } from '../../src/pool/host.js';
import { desiredSize } from '../../src/pool/policy.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState } from '../../src/pool/tick.js';
import { policy as makePolicy, MIN } from './builders.js';
import { Ec2Fake, type FakeInstance } from './ec2-fake.js';

/**
 * Many ticks of one pool against the EC2 fake and an SQS mock, under random demand and faults
 * (SQS throttling, EC2 throttling and capacity errors, probe failures and timeouts, instances
 * vanishing). The five invariants of issue 10 hold after every tick.
 */
const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
});
const ec2 = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const sqs = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const POOL = 'p';
const TAG = 'evalai-autoscaler:pool';
const STATE = 'evalai-autoscaler:state';

interface Step {
  queued: number;
  inFlight: number;
  ec2Fault: 'none' | 'DescribeInstances' | 'CreateTags' | 'TerminateInstances' | 'RunInstances';
  spotCapacity: boolean;
  onDemandCapacity: boolean;
  /** Per host, by position in the live list: what the probe answers this tick. */
  probes: Array<'ok0' | 'ok1' | 'ok3' | 'sick' | 'timeout'>;
  /**
   * Per host: what the probe answers when asked again in the same tick (the re-check right before a
   * terminate): the same, a job landed since the decision, or no answer any more.
   */
  rechecks: Array<'same' | 'ok2' | 'timeout'>;
  vanish: number | null;
  advanceMs: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  queued: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 })),
  inFlight: fc.integer({ min: 0, max: 5 }),
  ec2Fault: fc.constantFrom('none', 'none', 'none', 'none', 'DescribeInstances', 'CreateTags', 'TerminateInstances', 'RunInstances'),
  spotCapacity: fc.boolean(),
  onDemandCapacity: fc.constantFrom(true, true, true, false),
  probes: fc.array(fc.constantFrom('ok0', 'ok0', 'ok1', 'ok3', 'sick', 'timeout'), { minLength: 12, maxLength: 12 }),
  rechecks: fc.array(fc.constantFrom('same', 'same', 'ok2', 'timeout'), { minLength: 12, maxLength: 12 }),
  vanish: fc.option(fc.integer({ min: 0, max: 11 }), { freq: 4 }),
  advanceMs: fc.integer({ min: 10_000, max: 3 * MIN }),
});

describe('scale-pool under random demand and faults', () => {
  it('five invariants hold on every tick', async () => {
    const policyArb = fc.record({ minHosts: fc.integer({ min: 0, max: 3 }), extra: fc.integer({ min: 1, max: 6 }), jobsPerHost: fc.integer({ min: 1, max: 4 }), maxLaunchesPerTick: fc.integer({ min: 1, max: 4 }) });
    const throttleArb = fc.array(fc.constantFrom(false, false, false, false, true), { minLength: 25, maxLength: 25 });
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(stepArb, { minLength: 5, maxLength: 25 }), throttleArb, fc.integer({ min: 0, max: 40 }), async (p, steps, throttles, steadyN) => {
        const policy = makePolicy({ minHosts: p.minHosts, maxHosts: p.minHosts + p.extra, jobsPerHost: p.jobsPerHost, maxLaunchesPerTick: p.maxLaunchesPerTick });
        ec2Mock.reset();
        sqsMock.reset();
        const fake = new Ec2Fake();
        fake.now = Date.UTC(2026, 10, 29, 12);
        fake.install(ec2Mock);
        const backend = ec2Backend({
          client: ec2,
          pool: POOL,
          config: { type: 'ec2', launchTemplate: { name: 't', version: '$Default' }, instanceTypes: [], market: 'spot', onDemandFallback: true, capacityBackoff: 5 * MIN, tags: {} },
        });
        // The act phase starts at the terminate: from then on the probe gives the act-time answers.
        const terminate = backend.terminate.bind(backend);
        backend.terminate = (items, recheck) => {
          acting = true;
          return terminate(items, recheck);
        };
        // Instances that are not the pool's: never to be touched.
        const strangers = [fake.add({ tags: { Name: 'db' } }), fake.add({ tags: { [TAG]: 'other', [STATE]: 'draining' } }), fake.add({ tags: {}, state: 'stopped' })];
        const strangerTags = strangers.map((s) => JSON.stringify(s.tags));

        let step: Step = steps[0]!;
        let throttled = false;
        sqsMock.on(GetQueueAttributesCommand).callsFake(() =>
          throttled
            ? Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
            : Promise.resolve({ Attributes: { ApproximateNumberOfMessages: String(step.queued), ApproximateNumberOfMessagesNotVisible: String(step.inFlight) } }),
        );
        const lastProbe = new Map<string, ProbeResult>();
        /** Probe calls per host in the current tick. */
        const asked = new Map<string, number>();
        /** Set once the tick starts terminating: answers from then on are the act-time ones. */
        let acting = false;
        /** Each host's position in the pool at the start of the tick: its answers for the tick. */
        let order = new Map<string, number>();
        /** What the host's probe answers at decide time, or at act time (jobs may land in between): the schedule's truth. */
        const answerFor = (id: string, atAct: boolean): ProbeResult => {
          const index = order.get(id) ?? 0;
          const again = atAct ? step.rechecks[index % step.rechecks.length]! : 'same';
          const kind = again === 'same' ? step.probes[index % step.probes.length]! : again;
          return kind === 'timeout' ? { ok: false, error: 'no answer within 2 s' } : kind === 'sick' ? { ok: true, healthy: false, jobs: 0 } : { ok: true, healthy: true, jobs: Number(kind.slice(2)) };
        };
        const probe = async (h: Host): Promise<ProbeResult> => {
          asked.set(h.id, (asked.get(h.id) ?? 0) + 1);
          const answer = answerFor(h.id, acting);
          lastProbe.set(h.id, answer);
          return answer;
        };
        const violations: string[] = [];
        fake.onTerminate = (i: FakeInstance) => {
          const last = lastProbe.get(i.id);
          const state = i.tags[STATE];
          // No busy host terminated, whatever the rule (idle, a retry of a failed terminate, a launch or
          // unhealthy timeout) and whatever the probe said at decide time: at the TerminateInstances,
          // what the probe would answer now (the schedule's truth: jobs may have landed since the
          // decision) does not say jobs > 0.
          const truth = answerFor(i.id, true);
          if (truth.ok && truth.jobs > 0 && i.state === 'running') {
            violations.push(`busy host ${i.id} (${state}, ${truth.jobs} jobs now; last asked: ${last ? JSON.stringify(last) : 'not asked this tick'}) terminated`);
          }
          if (i.tags[TAG] !== POOL) violations.push(`terminated ${i.id} without the pool tag`);
        };

        let state: PoolTickState = EMPTY_TICK_STATE;
        const counting = () => fake.live(POOL).filter((i) => (i.state === 'pending' || i.state === 'running') && (i.tags[STATE] === 'ready' || i.tags[STATE] === 'launching')).length;
        const runOne = async () => {
          lastProbe.clear();
          asked.clear();
          acting = false;
          order = new Map(fake.live(POOL).map((i, k) => [i.id, k]));
          const r = await tick({ pool: POOL, policy, backend, demand: sqsDemandSource(sqs, { queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', countInFlight: true }), probe, state, now: fake.now, dryRun: false });
          state = r.state;
          return r;
        };

        for (const [k, s] of steps.entries()) {
          step = s;
          throttled = throttles[k % throttles.length]!;
          if (s.ec2Fault !== 'none') fake.failNext.set(s.ec2Fault, s.ec2Fault === 'RunInstances' ? 'InsufficientInstanceCapacity' : 'RequestLimitExceeded');
          fake.capacity = (market) => ((market === 'spot' ? !s.spotCapacity : !s.onDemandCapacity) ? 'InsufficientInstanceCapacity' : null);
          if (s.vanish !== null) {
            const victim = fake.live(POOL)[s.vanish];
            if (victim) victim.state = 'terminated';
          }
          const r = await runOne();
          fake.failNext.clear();
          // 1. Never above max (ready + launching, as the cloud holds them).
          if (counting() > policy.maxHosts) violations.push(`tick ${k}: ${counting()} counting > max ${policy.maxHosts}`);
          // 2. Never below min after a tick that did not fail, except while unhealthy hosts are replaced
          //    (at most maxLaunchesPerTick a tick).
          if (!r.failed && counting() < Math.min(policy.minHosts, policy.maxLaunchesPerTick)) violations.push(`tick ${k}: ${counting()} counting < min ${policy.minHosts}`);
          fake.advance(s.advanceMs);
        }
        // 3. Nothing untagged (or another pool's) touched.
        strangers.forEach((s, i) => {
          if (JSON.stringify(s.tags) !== strangerTags[i]) violations.push(`stranger ${s.id} retagged`);
          if (fake.terminated.includes(s.id)) violations.push(`stranger ${s.id} terminated`);
        });
        // 5. Once demand is steady and faults stop, the pool converges within a bounded number of ticks.
        step = { ...steps[0]!, queued: steadyN, inFlight: 0, probes: Array(12).fill('ok0'), rechecks: Array(12).fill('same'), vanish: null, ec2Fault: 'none' };
        throttled = false;
        fake.capacity = () => null;
        const want = desiredSize(steadyN, policy).hosts;
        const bound = Math.ceil(policy.maxHosts / policy.maxLaunchesPerTick) + 20;
        for (let t = 0; t < bound; t += 1) {
          await runOne();
          fake.advance(MIN);
        }
        const states = fake.live(POOL).map((i) => i.tags[STATE]);
        if (counting() !== want || states.some((s) => s !== 'ready')) violations.push(`not converged after ${bound} ticks: want ${want} ready, have ${states.join(',')}`);
        expect(violations).toEqual([]);
      }),
      { numRuns: 100, seed: 1129 },
    );
  });
});
