import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2HttpFake } from './ec2-http.js';
import { faults, gate, schedule, startFaultProxy, type FaultProxy } from './fault-proxy.js';

let fake: Ec2HttpFake;
let client: EC2Client;
beforeEach(async () => {
  fake = new Ec2HttpFake();
  await fake.start();
  client = fake.client();
});
afterEach(async () => {
  client.destroy();
  await fake.close();
});

const launch = (extra: Partial<RunInstancesCommandInput> = {}): RunInstancesCommandInput => ({
  MinCount: 1,
  MaxCount: 2,
  InstanceType: 'c5.large',
  ImageId: 'ami-1',
  TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'evalai-autoscaler:pool', Value: 'p' }, { Key: 'Name', Value: 'a & <b>' }] }],
  ...extra,
});

describe('Ec2HttpFake through the real EC2Client', () => {
  it('reads back what it wrote: RunInstances, DescribeInstances with filters, CreateTags, TerminateInstances', async () => {
    fake.now = Date.parse('2026-01-01T00:00:00Z');
    const run = await client.send(new RunInstancesCommand(launch({ InstanceMarketOptions: { MarketType: 'spot' }, SubnetId: 'subnet-1' })));
    expect(run.Instances?.map((i) => i.State?.Name)).toEqual(['pending', 'pending']);
    const ids = run.Instances!.map((i) => i.InstanceId!);
    fake.add({ tags: { 'evalai-autoscaler:pool': 'other' } });

    const listed = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:evalai-autoscaler:pool', Values: ['p'] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
    const instances = listed.Reservations!.flatMap((r) => r.Instances!);
    expect(instances.map((i) => i.InstanceId)).toEqual(ids);
    expect(instances[0]).toMatchObject({
      InstanceType: 'c5.large',
      InstanceLifecycle: 'spot',
      Placement: { AvailabilityZone: 'us-east-1a' },
      LaunchTime: new Date('2026-01-01T00:00:00Z'),
      SubnetId: 'subnet-1',
    });
    expect(instances[0]!.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'a & <b>' }]));

    await client.send(new CreateTagsCommand({ Resources: [ids[0]!], Tags: [{ Key: 'evalai-autoscaler:state', Value: 'ready' }] }));
    const byId = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [ids[0]!] }] }));
    expect(byId.Reservations![0]!.Instances![0]!.Tags).toContainEqual({ Key: 'evalai-autoscaler:state', Value: 'ready' });

    const t = await client.send(new TerminateInstancesCommand({ InstanceIds: [ids[1]!] }));
    expect(t.TerminatingInstances).toEqual([{ InstanceId: ids[1], CurrentState: { Code: 32, Name: 'shutting-down' }, PreviousState: { Code: 0, Name: 'pending' } }]);
    expect(fake.live('p').map((i) => i.id)).toEqual([ids[0]]);
    expect(fake.actions()).toEqual(['RunInstances', 'DescribeInstances', 'CreateTags', 'DescribeInstances', 'TerminateInstances']);
  });

  it('an empty pool is an empty reservationSet (Reservations: []), not a missing one', async () => {
    const out = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:evalai-autoscaler:pool', Values: ['nobody'] }] }));
    expect(out.Reservations).toEqual([]);
  });

  it('pages with MaxResults and NextToken', async () => {
    for (let k = 0; k < 7; k += 1) fake.add({ tags: { 'evalai-autoscaler:pool': 'p' } });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(new DescribeInstancesCommand({ MaxResults: 5, ...(token ? { NextToken: token } : {}) }));
      seen.push(...out.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
      token = out.NextToken;
      pages += 1;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual([...fake.instances.keys()]);
  });

  it('ClientToken: the same token and parameters return the same reservation; other parameters IdempotentParameterMismatch', async () => {
    const first = await client.send(new RunInstancesCommand(launch({ ClientToken: 'tok-1' })));
    const again = await client.send(new RunInstancesCommand(launch({ ClientToken: 'tok-1' })));
    expect(again.ReservationId).toBe(first.ReservationId);
    expect(again.Instances!.map((i) => i.InstanceId)).toEqual(first.Instances!.map((i) => i.InstanceId));
    expect(fake.instances.size).toBe(2);
    await expect(client.send(new RunInstancesCommand(launch({ ClientToken: 'tok-1', MaxCount: 3 })))).rejects.toMatchObject({ name: 'IdempotentParameterMismatch', $metadata: { httpStatusCode: 400 } });
    const byToken = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'client-token', Values: ['tok-1'] }] }));
    expect(byToken.Reservations!.flatMap((r) => r.Instances!).map((i) => i.ClientToken)).toEqual(['tok-1', 'tok-1']);
  });

  it('answers EC2 error documents the SDK reads: code, message, HTTP status', async () => {
    await expect(client.send(new TerminateInstancesCommand({ InstanceIds: ['i-0nothere'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound', message: "The instance ID 'i-0nothere' does not exist", $metadata: { httpStatusCode: 400 } });
    fake.capacity = (market) => (market === 'spot' ? 'InsufficientInstanceCapacity' : null);
    await expect(client.send(new RunInstancesCommand(launch({ InstanceMarketOptions: { MarketType: 'spot' } })))).rejects.toMatchObject({ name: 'InsufficientInstanceCapacity', $metadata: { httpStatusCode: 500 } });
    fake.failNext.set('CreateTags', 'UnauthorizedOperation');
    await expect(client.send(new CreateTagsCommand({ Resources: [], Tags: [] }))).rejects.toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    await expect(client.send(new RunInstancesCommand(launch({ DryRun: true })))).rejects.toMatchObject({ name: 'DryRunOperation', $metadata: { httpStatusCode: 412 } });
    expect(fake.instances.size).toBe(0);
  });

  it('a lagging list hides instances younger than listLagMs (virtual time)', async () => {
    fake.listLagMs = 5_000;
    await client.send(new RunInstancesCommand(launch()));
    const list = async (): Promise<number> => (await client.send(new DescribeInstancesCommand({}))).Reservations!.flatMap((r) => r.Instances!).length;
    expect(await list()).toBe(0);
    fake.advance(4_999);
    expect(await list()).toBe(0);
    fake.advance(1);
    expect(await list()).toBe(2);
  });

  it('runDelay holds a RunInstances answer after it acted; respond replaces or drops an answer', async () => {
    let release!: () => void;
    fake.runDelay = () => new Promise<void>((r) => (release = r));
    const sent = client.send(new RunInstancesCommand(launch()));
    while (fake.count('RunInstances') === 0 || fake.instances.size === 0) await new Promise((r) => setImmediate(r));
    const meanwhile = await client.send(new DescribeInstancesCommand({}));
    expect(meanwhile.Reservations!.flatMap((r) => r.Instances!)).toHaveLength(2);
    release();
    expect((await sent).Instances).toHaveLength(2);
    fake.runDelay = null;

    fake.respond = (req) => (req.action === 'DescribeInstances' ? { status: 200, body: '' } : req.action === 'TerminateInstances' ? 'drop' : undefined);
    expect((await client.send(new DescribeInstancesCommand({}))).Reservations).toBeUndefined();
    await expect(client.send(new TerminateInstancesCommand({ InstanceIds: [[...fake.instances.keys()][0]!] }))).rejects.toThrow();
    expect(fake.terminated).toHaveLength(1);
  });

  it('spot prices come back per type', async () => {
    fake.spotPrices = { 'c5.large': 0.031, 'm5.large': 0.04 };
    const out = await client.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['c5.large'], ProductDescriptions: ['Linux/UNIX'] }));
    expect(out.SpotPriceHistory?.map((p) => [p.InstanceType, p.SpotPrice])).toEqual([['c5.large', '0.031000']]);
  });
});

describe('the fault proxy in front of the fake, through the real EC2Client', () => {
  let proxy: FaultProxy;
  let viaProxy: EC2Client;
  beforeEach(async () => {
    proxy = await startFaultProxy(fake.url);
    viaProxy = fake.client(proxy.url);
  });
  afterEach(async () => {
    viaProxy.destroy();
    await proxy.close();
  });
  const describeAll = () => viaProxy.send(new DescribeInstancesCommand({}));

  it('passes requests through untouched without a fault', async () => {
    fake.add({ tags: {} });
    expect((await describeAll()).Reservations).toHaveLength(1);
    expect(proxy.log.map((l) => [l.req.action, l.req.n, l.fault])).toEqual([['DescribeInstances', 1, undefined]]);
  });

  it('drop before: the client gets a network error and the fake never saw the request', async () => {
    proxy.plan = schedule({ RunInstances: [faults.dropBefore()] });
    await expect(viaProxy.send(new RunInstancesCommand(launch()))).rejects.toThrow();
    expect(fake.count('RunInstances')).toBe(0);
    expect(fake.instances.size).toBe(0);
  });

  it('drop after: the fake launched, the client gets a network error (a lost answer)', async () => {
    proxy.plan = schedule({ RunInstances: [faults.dropAfter()] });
    await expect(viaProxy.send(new RunInstancesCommand(launch()))).rejects.toThrow();
    expect(fake.count('RunInstances')).toBe(1);
    expect(fake.instances.size).toBe(2);
  });

  // What the SDK itself makes of a 200 it cannot read: the body of the item 3. The SDK
  // does NOT fail on these: it answers an output without Reservations/Instances (or with nothing).
  it('a 200 with an empty body: the SDK returns no Reservations at all (not an empty list)', async () => {
    proxy.plan = schedule({ DescribeInstances: [faults.empty()] });
    const out = await describeAll();
    expect(out.Reservations).toBeUndefined();
  });

  it('a 200 with an HTML page: no Reservations', async () => {
    proxy.plan = schedule({ DescribeInstances: [faults.html()] });
    expect((await describeAll()).Reservations).toBeUndefined();
  });

  it('a 200 with <Response/>: no Reservations', async () => {
    proxy.plan = schedule({ DescribeInstances: [faults.emptyResponse()] });
    expect((await describeAll()).Reservations).toBeUndefined();
  });

  it('a truncated answer: the SDK throws its XML parse error, with the 200 status', async () => {
    fake.add({ tags: {} });
    proxy.plan = schedule({ DescribeInstances: [faults.truncated(60)] });
    await expect(describeAll()).rejects.toMatchObject({ message: expect.stringContaining('XML parse error'), $metadata: { httpStatusCode: 200 } });
  });

  it('the other actions read an unreadable 200 as success too: CreateTags, TerminateInstances (no TerminatingInstances)', async () => {
    const i = fake.add({ tags: {} });
    proxy.plan = schedule({ CreateTags: [faults.html()], TerminateInstances: [faults.empty()] });
    await expect(viaProxy.send(new CreateTagsCommand({ Resources: [i.id], Tags: [{ Key: 'k', Value: 'v' }] }))).resolves.toBeDefined();
    expect((await viaProxy.send(new TerminateInstancesCommand({ InstanceIds: [i.id] }))).TerminatingInstances).toBeUndefined();
    expect(i).toMatchObject({ tags: { k: 'v' }, state: 'shutting-down' });
  });

  it('a 200 with an HTML page after RunInstances acted: the SDK returns no Instances, the fake has them', async () => {
    proxy.plan = schedule({ RunInstances: [faults.html()] });
    const out = await viaProxy.send(new RunInstancesCommand(launch()));
    expect(out.Instances).toBeUndefined();
    expect(fake.instances.size).toBe(2);
  });

  it('500 and 503 error documents: the SDK throws the code with that status; the fake did not act', async () => {
    proxy.plan = schedule({ RunInstances: [faults.error(500), faults.error(503)] });
    await expect(viaProxy.send(new RunInstancesCommand(launch()))).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    await expect(viaProxy.send(new RunInstancesCommand(launch()))).rejects.toMatchObject({ name: 'Unavailable', $metadata: { httpStatusCode: 503 } });
    expect(fake.count('RunInstances')).toBe(0);
  });

  it('twice: the request reaches the fake twice; the SDK\'s own ClientToken (it fills one in) makes EC2 launch once', async () => {
    proxy.plan = schedule({ RunInstances: [faults.twice()] });
    const out = await viaProxy.send(new RunInstancesCommand(launch()));
    expect(fake.count('RunInstances')).toBe(2);
    expect(fake.requests[0]!.params.get('ClientToken')).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.instances.size).toBe(2);
    expect(out.Instances).toHaveLength(2);
  });

  it('hold: the request reaches the fake only when the gate opens', async () => {
    const g = gate();
    proxy.plan = schedule({ RunInstances: [faults.hold(g.promise)] });
    const sent = viaProxy.send(new RunInstancesCommand(launch()));
    // The other actions pass meanwhile.
    await describeAll();
    expect(fake.count('RunInstances')).toBe(0);
    g.open();
    await sent;
    expect(fake.count('RunInstances')).toBe(1);
  });

  it('hold after: the fake acted, the answer waits for the gate', async () => {
    const g = gate();
    proxy.plan = schedule({ RunInstances: [faults.hold(g.promise, true)] });
    let answered = false;
    const sent = viaProxy.send(new RunInstancesCommand(launch())).then((o) => ((answered = true), o));
    while (fake.count('RunInstances') === 0) await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    expect(fake.instances.size).toBe(2);
    g.open();
    expect((await sent).Instances).toHaveLength(2);
  });

  it('delay: the answer comes after the delay, unchanged', async () => {
    proxy.plan = schedule({ DescribeInstances: [faults.delay(20)] });
    expect((await describeAll()).Reservations).toEqual([]);
  });
});
