import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import type { ProbeResult } from '../../src/pool/host.js';
import { fileIntentStore } from '../../src/pool/ledger-file.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState } from '../../src/pool/tick.js';
import { policy as makePolicy } from './builders.js';
import { Ec2Fake } from './ec2-fake.js';

/**
 * The launch path under random lost, garbled and failed RunInstances answers, lagging listings,
 * reclaimed instances and probe outages (issue 17). On EVERY tick, failed or not: live instances
 * never exceed maxLiveHosts, and ready + launching never exceed maxHosts. Written from the policy's
 * numbers, not from the code under test.
 */
const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
});
const creds = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const ec2 = new EC2Client({ region: 'us-east-1', credentials: creds });
const sqs = new SQSClient({ region: 'us-east-1', credentials: creds });
const POOL = 'p';
const STATE = 'evalai-autoscaler:state';

type RunFault = 'none' | 'lost' | 'empty' | 'InternalError' | 'InsufficientInstanceCapacity';
interface Step {
  queued: number;
  inFlight: number;
  run: RunFault;
  lagMs: number;
  probeDown: boolean;
  reclaim: boolean;
  advanceMs: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  queued: fc.integer({ min: 0, max: 40 }),
  inFlight: fc.integer({ min: 0, max: 4 }),
  run: fc.constantFrom<RunFault>('none', 'none', 'none', 'lost', 'empty', 'InternalError', 'InsufficientInstanceCapacity'),
  lagMs: fc.constantFrom(0, 0, 3_000, 20_000),
  probeDown: fc.boolean(),
  reclaim: fc.constantFrom(false, false, false, true),
  advanceMs: fc.constantFrom(1_000, 10_000, 60_000, 11 * 60_000),
});

describe('the launch path under random faults', () => {
  it('live <= maxLiveHosts and ready + launching <= maxHosts after every tick', async () => {
    const policyArb = fc.record({ maxHosts: fc.integer({ min: 1, max: 6 }), extraLive: fc.option(fc.integer({ min: 0, max: 3 })), maxLaunchesPerTick: fc.integer({ min: 1, max: 6 }) });
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(stepArb, { minLength: 5, maxLength: 20 }), async (p, steps) => {
        const maxLive = p.extraLive === null ? p.maxHosts + Math.ceil(p.maxHosts / 2) : p.maxHosts + p.extraLive;
        const policy = makePolicy({ minHosts: 0, maxHosts: p.maxHosts, maxLaunchesPerTick: p.maxLaunchesPerTick, ...(p.extraLive === null ? {} : { maxLiveHosts: maxLive }) });
        ec2Mock.reset();
        sqsMock.reset();
        const fake = new Ec2Fake();
        fake.now = Date.UTC(2026, 10, 29, 12);
        fake.install(ec2Mock);
        const ledger = join(mkdtempSync(join(tmpdir(), 'launch-prop-')), 'ledger.json');
        let step = steps[0]!;
        sqsMock.on(GetQueueAttributesCommand).callsFake(() => Promise.resolve({ Attributes: { ApproximateNumberOfMessages: String(step.queued), ApproximateNumberOfMessagesNotVisible: String(step.inFlight) } }));
        const probe = async (): Promise<ProbeResult> => (step.probeDown ? { ok: false, error: 'timeout' } : { ok: true, healthy: true, jobs: 0 });
        let state: PoolTickState = EMPTY_TICK_STATE;
        const violations: string[] = [];
        for (const [k, s] of steps.entries()) {
          step = s;
          fake.hideYoungerThanMs = s.lagMs;
          fake.answerEmpty = s.run === 'empty';
          fake.afterRun = s.run === 'lost' ? () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })) : null;
          fake.capacity = () => (s.run === 'InsufficientInstanceCapacity' ? 'InsufficientInstanceCapacity' : null);
          if (s.run === 'InternalError') fake.failNext.set('RunInstances', 'InternalError');
          if (s.reclaim) for (const i of fake.live(POOL).slice(0, 1)) i.state = 'terminated';
          // Each tick builds its backend anew, as each cron run does: only the ledger file carries over.
          const backend = ec2Backend({ client: ec2, pool: POOL, config: { type: 'ec2', launchTemplate: { name: 't', version: '$Default' }, instanceTypes: [], market: 'spot', onDemandFallback: true, capacityBackoff: 5 * 60_000, tags: {} }, ledger: fileIntentStore(ledger, POOL), schedulerId: 's-1' });
          const r = await tick({ pool: POOL, policy, backend, demand: sqsDemandSource(sqs, { queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q', countInFlight: true }), probe, state, now: fake.now, dryRun: false });
          state = r.state;
          fake.failNext.clear();
          const live = fake.live(POOL);
          const counting = live.filter((i) => i.tags[STATE] === 'ready' || i.tags[STATE] === 'launching').length;
          if (live.length > maxLive) violations.push(`tick ${k}: ${live.length} live > maxLiveHosts ${maxLive}`);
          if (counting > p.maxHosts) violations.push(`tick ${k}: ${counting} ready + launching > maxHosts ${p.maxHosts}`);
          fake.advance(s.advanceMs);
        }
        expect(violations).toEqual([]);
      }),
      { numRuns: 60, seed: 1717 },
    );
  });
});
