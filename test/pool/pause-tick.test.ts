import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { putObjectIf, readObject } from '../../src/aws/s3.js';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import { s3IntentStore, s3PauseStore } from '../../src/pool/ledger-s3.js';
import { changePause, pauseFileStore, readHold, type PauseHold, type PauseStore } from '../../src/pool/pause.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { S3Fake } from '../fakes/s3-conditional.js';
import { policy, MIN } from './builders.js';
import { Ec2Fake } from './ec2-fake.js';

const ec2Mock = mockClient(EC2Client);
const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);
const creds = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const ec2 = new EC2Client({ region: 'us-east-1', credentials: creds });
const sqs = new SQSClient({ region: 'us-east-1', credentials: creds });
const s3 = new S3Client({ region: 'us-east-1', credentials: creds });
const START = Date.UTC(2026, 10, 29, 12, 0, 0);
const POOL = 'trainers';
const TAG = 'evalai-autoscaler:pool';
const STATE = 'evalai-autoscaler:state';
const KEY = 'evalai-autoscaler/trainers.json';
const config: Ec2BackendConfig = { type: 'ec2', allocation: 'lowest-price-order', launchTemplate: { name: 't', version: '$Default' }, instanceTypes: [], market: 'spot', onDemandFallback: true, capacityBackoff: 15 * 60_000, tags: {} };
const demand = sqsDemandSource(sqs, { queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/jobs', countInFlight: true });

let fake: Ec2Fake;
let s3fake: S3Fake;
let queued = 0;
let state: PoolTickState;

beforeEach(() => {
  ec2Mock.reset();
  sqsMock.reset();
  s3Mock.reset();
  fake = new Ec2Fake();
  fake.now = START;
  fake.install(ec2Mock);
  s3fake = new S3Fake();
  s3fake.install(s3Mock);
  queued = 0;
  state = EMPTY_TICK_STATE;
  sqsMock.on(GetQueueAttributesCommand).callsFake(() => Promise.resolve({ Attributes: { ApproximateNumberOfMessages: String(queued), ApproximateNumberOfMessagesNotVisible: '0' } }));
});
afterAll(() => {
  ec2Mock.restore();
  sqsMock.restore();
  s3Mock.restore();
});

const object = { where: `s3://ops/${KEY}`, read: () => readObject(s3, 'ops', KEY), write: (body: string, etag: string | null) => putObjectIf(s3, 'ops', KEY, body, etag) };
const pauseBy = (store: PauseStore, by: string, reason?: string) => changePause(store, (p) => p ?? { since: fake.now, by, ...(reason ? { reason } : {}) });
const resume = (store: PauseStore) => changePause(store, () => null);

async function runTick(hold: PauseHold | null, more: { minHosts?: number; backend?: ReturnType<typeof ec2Backend>; dryRun?: boolean } = {}): Promise<TickReport> {
  const r = await tick({
    pool: POOL,
    policy: policy({ minHosts: more.minHosts ?? 1, maxHosts: 10, maxLaunchesPerTick: 4 }),
    backend: more.backend ?? ec2Backend({ client: ec2, pool: POOL, config }),
    demand,
    state,
    now: fake.now,
    dryRun: more.dryRun ?? false,
    ...(hold ? { hold } : {}),
  });
  state = r.state;
  return r;
}

const sent = (command: typeof RunInstancesCommand | typeof TerminateInstancesCommand) => (command === RunInstancesCommand ? ec2Mock.commandCalls(RunInstancesCommand) : ec2Mock.commandCalls(TerminateInstancesCommand)).length;

describe('a paused tick against the EC2 fake', () => {
  it('observes and reports; sends no RunInstances or TerminateInstances; records only what the cloud showed', async () => {
    queued = 20;
    const idle = fake.add({ tags: { [TAG]: POOL, [STATE]: 'draining', 'evalai-autoscaler:state-since': new Date(START - 30 * MIN).toISOString() }, launchTime: START - 60 * MIN });
    const up = fake.add({ tags: { [TAG]: POOL, [STATE]: 'launching', 'evalai-autoscaler:state-since': new Date(START - 2 * MIN).toISOString() }, launchTime: START - 2 * MIN });
    const reclaimed = fake.add({ tags: { [TAG]: POOL, [STATE]: 'ready' }, launchTime: START - 60 * MIN });
    fake.reclaim(reclaimed.id);
    const hold = { pause: { since: START - 57 * MIN, by: 'alice', reason: 'kernel upgrade' } };
    const r = await runTick(hold);
    expect(sent(RunInstancesCommand)).toBe(0);
    expect(sent(TerminateInstancesCommand)).toBe(0);
    expect(r.failed).toBe(false);
    expect(r.paused).toEqual({ since: '2026-11-29T11:03:00.000Z', by: 'alice', reason: 'kernel upgrade', held: 'held: pool paused since 2026-11-29T11:03:00Z by alice (kernel upgrade)' });
    expect(r.launches).toMatchObject({ wanted: 4, status: 'held', launched: [] });
    expect(r.launches.reason).toMatch(/^held: pool paused since .* by alice \(kernel upgrade\): not launched: desired 10 hosts > 2 counting: launch 4 \(at most 4 launches per tick\)$/);
    // The recapture of the draining host is held; the launching host now running and the reclaimed one are recorded.
    expect(r.moves.map((m) => `${m.hostId} ${m.to} ${m.status}`).sort()).toEqual([`${idle.id} ready held`, `${reclaimed.id} terminated done`, `${up.id} ready done`].sort());
    expect(fake.instances.get(idle.id)!.tags[STATE]).toBe('draining');
    expect(fake.instances.get(up.id)!.tags[STATE]).toBe('ready');
    expect(state.history.gone).toEqual({ [reclaimed.id]: START });
  });

  it('resumed, the next tick acts on what it held', async () => {
    queued = 6;
    const hold = { pause: { since: START, by: 'alice' } };
    expect((await runTick(hold)).launches.launched).toEqual([]);
    expect(fake.live(POOL)).toHaveLength(0);
    fake.advance(MIN);
    const r = await runTick(null);
    expect(r.paused).toBeUndefined();
    expect(r.launches.launched).toHaveLength(4);
  });

  it('a pause that cannot be read: held as if paused, and the tick fails saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pause-'));
    const path = join(dir, 'p.pause.json');
    writeFileSync(path, '{"version": 1, "pause": {"since": "yesterday"}}');
    const hold = await readHold(pauseFileStore(path, POOL));
    expect(hold).toEqual({ unreadable: `the pause of the pool cannot be read (the pause file ${path} is not understood)` });
    const r = await runTick(hold, { minHosts: 2 });
    expect(sent(RunInstancesCommand)).toBe(0);
    expect(r.failed).toBe(true);
    expect(r.paused).toMatchObject({ since: null, by: null });
    expect(r.errors[0]).toMatch(/^pause: held: the pause of the pool cannot be read/);
  });
});

describe('where the pause is kept', () => {
  it('without coordination: a file the next process reads (a restart), written only by pause and resume, idempotent', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pause-')), 'p.pause.json');
    const first = await pauseBy(pauseFileStore(path, POOL), 'alice', 'upgrade');
    expect(first).toMatchObject({ before: null, written: true });
    // A new store, as a restarted scheduler builds it: the same pause, not a new one.
    const again = await pauseBy(pauseFileStore(path, POOL), 'bob');
    expect(again).toMatchObject({ written: false, after: { by: 'alice', reason: 'upgrade', since: START } });
    expect(await readHold(pauseFileStore(path, POOL))).toEqual({ pause: { since: START, by: 'alice', reason: 'upgrade' } });
    expect((await resume(pauseFileStore(path, POOL))).written).toBe(true);
    expect((await resume(pauseFileStore(path, POOL))).written).toBe(false);
    expect(await readHold(pauseFileStore(path, POOL))).toBeNull();
  });

  it('with coordination: one scheduler\'s pause is seen by another, and the launch ledger writes keep it', async () => {
    queued = 1;
    // Scheduler b launches once: the object now holds its launch.
    const b = ec2Backend({ client: ec2, pool: POOL, config, ledger: s3IntentStore(object, POOL), schedulerId: 's-b', coordinated: true });
    expect((await runTick(null, { backend: b })).launches.launched).toHaveLength(3);
    // Scheduler a pauses the pool through its own store.
    await pauseBy(s3PauseStore(object, POOL), 'alice', 'upgrade');
    const doc = JSON.parse(s3fake.objects.get(`ops/${KEY}`)!.body);
    expect(doc.intents).toHaveLength(1); // the launch is kept
    expect(doc.pause).toEqual({ since: START, by: 'alice', reason: 'upgrade' });
    // Scheduler b reads it on its next tick and holds.
    queued = 20;
    fake.advance(MIN);
    const hold = await readHold(s3PauseStore(object, POOL));
    expect(hold).toEqual({ pause: { since: START, by: 'alice', reason: 'upgrade' } });
    const held = await runTick(hold, { backend: b });
    expect(held.launches.status).toBe('held');
    expect(sent(RunInstancesCommand)).toBe(1);
    await resume(s3PauseStore(object, POOL));
    expect(JSON.parse(s3fake.objects.get(`ops/${KEY}`)!.body).pause).toBeUndefined();
  });

  it('with coordination: a pause written while another scheduler decides stops its launch before RunInstances', async () => {
    queued = 3;
    const b = ec2Backend({ client: ec2, pool: POOL, config, ledger: s3IntentStore(object, POOL), schedulerId: 's-b', coordinated: true });
    // b read "not paused" at the start of its tick; the pause lands before its launch is admitted.
    const hold = await readHold(s3PauseStore(object, POOL));
    expect(hold).toBeNull();
    sqsMock.on(GetQueueAttributesCommand).callsFake(async () => {
      await pauseBy(s3PauseStore(object, POOL), 'alice');
      return { Attributes: { ApproximateNumberOfMessages: String(queued), ApproximateNumberOfMessagesNotVisible: '0' } };
    });
    const r = await runTick(hold, { backend: b });
    expect(sent(RunInstancesCommand)).toBe(0);
    expect(r.failed).toBe(true);
    expect(r.launches.error).toMatch(/^pool trainers is paused since 2026-11-29T12:00:00Z by alice \(s3:\/\/ops\/evalai-autoscaler\/trainers\.json\): nothing launched$/);
  });
});
