import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { putObjectIf, readObject } from '../../src/aws/s3.js';
import type { PoolBackend } from '../../src/pool/backend.js';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import { fileIntentStore } from '../../src/pool/ledger-file.js';
import { s3IntentStore } from '../../src/pool/ledger-s3.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { policy } from './builders.js';
import { S3Fake } from '../fakes/s3-conditional.js';
import { Ec2Fake } from './ec2-fake.js';

/**
 * Two schedulers on one pool (issue 17 item 4): with backend.coordination the launch ledger is an S3
 * object written only by conditional PUT, and neither ever launches on a stale read; without it, a
 * second scheduler is detected and refused.
 */

const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);
const creds = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const ec2 = new EC2Client({ region: 'us-east-1', credentials: creds });
const sqs = new SQSClient({ region: 'us-east-1', credentials: creds });
const s3 = new S3Client({ region: 'us-east-1', credentials: creds });
const POOL = 'trainers';
const MAX = 5;
const config: Ec2BackendConfig = { type: 'ec2', allocation: 'lowest-price-order', launchTemplate: { name: 't', version: '$Default' }, instanceTypes: [], market: 'spot', onDemandFallback: true, capacityBackoff: 15 * 60_000, tags: {} };

let fake: Ec2Fake;
let s3fake: S3Fake;
let queued = 0;

beforeEach(() => {
  ec2Mock.reset();
  sqsMock.reset();
  s3Mock.reset();
  fake = new Ec2Fake();
  fake.now = Date.UTC(2026, 10, 29, 12);
  fake.install(ec2Mock);
  s3fake = new S3Fake();
  s3fake.install(s3Mock);
  sqsMock.on(GetQueueAttributesCommand).callsFake(() => Promise.resolve({ Attributes: { ApproximateNumberOfMessages: String(queued), ApproximateNumberOfMessagesNotVisible: '0' } }));
});
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
  s3Mock.restore();
});

const demand = sqsDemandSource(sqs, { queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/jobs', countInFlight: true });
const turns = async (n: number): Promise<void> => {
  for (let k = 0; k < n; k += 1) await new Promise((r) => setImmediate(r));
};

function s3Backend(schedulerId: string): PoolBackend {
  const object = { where: 's3://ops/evalai-autoscaler/trainers.json', read: () => readObject(s3, 'ops', 'evalai-autoscaler/trainers.json'), write: (body: string, etag: string | null) => putObjectIf(s3, 'ops', 'evalai-autoscaler/trainers.json', body, etag) };
  return ec2Backend({ client: ec2, pool: POOL, config, ledger: s3IntentStore(object, POOL), schedulerId, coordinated: true });
}

function fileBackend(schedulerId: string): PoolBackend {
  const dir = mkdtempSync(join(tmpdir(), `sched-${schedulerId}-`));
  return ec2Backend({ client: ec2, pool: POOL, config, ledger: fileIntentStore(join(dir, 'ledger.json'), POOL), schedulerId });
}

class Scheduler {
  state: PoolTickState = EMPTY_TICK_STATE;
  constructor(readonly backend: PoolBackend) {}
  async tick(): Promise<TickReport> {
    const r = await tick({ pool: POOL, policy: policy({ minHosts: 0, maxHosts: MAX, maxLaunchesPerTick: MAX }), backend: this.backend, demand, state: this.state, now: fake.now, dryRun: false });
    this.state = r.state;
    return r;
  }
}

/** Each round: the demand changes, a few instances are reclaimed, and both schedulers tick. */
function churn(round: number): void {
  queued = [100, 3, 40, 0, 100, 8][round % 6]!;
  const live = fake.live(POOL);
  if (round % 3 === 2) for (const i of live.slice(0, 2)) i.state = 'terminated';
}

describe('two schedulers with backend.coordination (an S3 ledger by conditional write)', () => {
  it('RunInstances slow, the listing lagging, 20 rounds at once: never above maxHosts live, and the losers re-read', async () => {
    fake.hideYoungerThanMs = 25_000; // the listing shows nothing launched in the last 2 rounds
    fake.afterRun = () => turns(20); // a slow answer: the other scheduler runs meanwhile
    const a = new Scheduler(s3Backend('s-a'));
    const b = new Scheduler(s3Backend('s-b'));
    const lives: number[] = [];
    const launchedBy = { a: 0, b: 0 };
    for (let round = 0; round < 20; round += 1) {
      churn(round);
      const [ra, rb] = await Promise.all([a.tick(), b.tick()]);
      launchedBy.a += ra.launches.launched.length;
      launchedBy.b += rb.launches.launched.length;
      lives.push(fake.live(POOL).length);
      fake.advance(10_000);
    }
    expect(Math.max(...lives)).toBeLessThanOrEqual(MAX);
    expect(s3fake.conflicts).toBeGreaterThan(0); // they did race for the ledger
    expect(launchedBy.a + launchedBy.b).toBeGreaterThan(MAX); // and kept replacing reclaimed hosts
    const doc = JSON.parse(s3fake.objects.get('ops/evalai-autoscaler/trainers.json')!.body);
    expect(doc).toMatchObject({ version: 1, pool: POOL });
  });

  it('the first write creates the object with If-None-Match, later ones carry If-Match with the ETag read', async () => {
    queued = 2;
    await new Scheduler(s3Backend('s-a')).tick();
    const puts = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts[0]).toMatchObject({ IfNoneMatch: '*' });
    expect(puts.slice(1).every((p) => typeof p.IfMatch === 'string' && p.IfNoneMatch === undefined)).toBe(true);
    expect(puts.length).toBe(2); // the intent, then its instances
  });

  it('a ledger that keeps changing under it (conflicts on every write): nothing launched, the tick fails', async () => {
    queued = 2;
    s3Mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'pre-conditions' }));
    const r = await new Scheduler(s3Backend('s-a')).tick();
    expect(r.failed).toBe(true);
    expect(r.launches.error).toMatch(/changed under 5 writes in a row/);
    expect(fake.live(POOL)).toHaveLength(0);
  });
});

describe('two schedulers without coordination', () => {
  it('20 rounds, each one starting while the other\'s RunInstances is in flight: the second is refused by name, never above max live', async () => {
    const a = new Scheduler(fileBackend('s-a'));
    const b = new Scheduler(fileBackend('s-b'));
    const lives: number[] = [];
    const refusals: string[] = [];
    for (let round = 0; round < 20; round += 1) {
      churn(round);
      const [first, second] = round % 2 === 0 ? [a, b] : [b, a];
      let inside: Promise<TickReport> | null = null;
      // The second scheduler's whole tick runs while the first one's RunInstances has not answered.
      fake.afterRun = async () => {
        fake.afterRun = null;
        inside = second.tick();
        await inside;
      };
      const r1 = await first.tick();
      fake.afterRun = null;
      const r2 = inside ? await inside : await second.tick();
      for (const r of [r1, r2]) {
        refusals.push(...r.errors.filter((e) => e.includes('another scheduler')));
        // A refused scheduler launches nothing.
        if (r.errors.some((e) => e.includes('another scheduler'))) expect(r.launches.launched).toEqual([]);
      }
      lives.push(fake.live(POOL).length);
      fake.advance(10_000);
    }
    expect(Math.max(...lives)).toBeLessThanOrEqual(MAX);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0]).toMatch(/another scheduler \(id s-[ab]\) launched i-\w+ into pool trainers .*backend\.coordination/);
  });
});
