import type { EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleet, describePoolInstances, latestSpotPrices, POOL_TAG, runInstances, tagInstances, terminateInstances } from '../../src/aws/ec2-pool.js';
import { AwsError } from '../../src/aws/errors.js';
import { Ec2HttpFake } from '../fakes/ec2-http.js';
import { faults, schedule, startFaultProxy, type Fault, type FaultProxy } from '../fakes/fault-proxy.js';

/**
 * The pool's EC2 calls through the real EC2Client against the HTTP fake, with the fault proxy in
 * between: an answer that cannot be read is an error (never an empty pool, never "launched 0",
 * never a success), and one that says whether the call may have acted.
 */
let fake: Ec2HttpFake;
let proxy: FaultProxy;
let client: EC2Client;
beforeEach(async () => {
  fake = new Ec2HttpFake();
  await fake.start();
  proxy = await startFaultProxy(fake.url);
  client = fake.client(proxy.url);
});
afterEach(async () => {
  client.destroy();
  await proxy.close();
  await fake.close();
});

const caught = (p: Promise<unknown>): Promise<unknown> => p.then(
  () => 'resolved',
  (err: unknown) => err,
);

const UNREADABLE: Array<[string, () => Fault, RegExp]> = [
  ['an empty body', () => faults.empty(), /empty body/],
  ['an HTML page', () => faults.html(), /HTML/],
  ['<Response/>', () => faults.emptyResponse(), /<Response\/>/],
  ['truncated XML', () => faults.truncated(90), /truncated|cut short|not closed/],
  ['a DescribeInstancesResponse without reservationSet', () => faults.body('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId></DescribeInstancesResponse>'), /reservationSet/],
];

describe('describePoolInstances: a 200 that cannot be read is "could not list", never an empty pool', () => {
  for (const [name, fault, what] of UNREADABLE) {
    it(`${name}: throws an AwsError naming DescribeInstances, the endpoint, the region and what came back`, async () => {
      fake.add({ tags: { [POOL_TAG]: 'p' } });
      proxy.plan = schedule({ DescribeInstances: [fault()] });
      const err = await caught(describePoolInstances(client, 'p'));
      expect(err).toBeInstanceOf(AwsError);
      const e = err as AwsError;
      expect(e.kind).toBe('unreadable');
      expect(e.outcome).toBe('unknown');
      expect(e.message).toMatch(/^EC2 DescribeInstances: /);
      expect(e.message).toContain(proxy.url.replace('http://', ''));
      expect(e.message).toContain('us-east-1');
      expect(e.message).toMatch(what);
      expect(e.message).not.toContain('\n');
      expect(e.message).not.toContain('fake-secret');
    });
  }

  it('an unreadable second page fails the whole listing (no half pool)', async () => {
    for (let k = 0; k < 7; k += 1) fake.add({ tags: { [POOL_TAG]: 'p' } });
    fake.pageSize = 5;
    proxy.plan = schedule({ DescribeInstances: [undefined, faults.html()] });
    await expect(describePoolInstances(client, 'p')).rejects.toMatchObject({ kind: 'unreadable' });
  });

  it('a readable empty pool is still an empty pool', async () => {
    await expect(describePoolInstances(client, 'p')).resolves.toEqual({ instances: [], pages: 1 });
  });
});

describe('the calls that change things: an unreadable 200 is an unknown outcome, not a success', () => {
  const input = { MinCount: 1, MaxCount: 2, ImageId: 'ami-1', TagSpecifications: [{ ResourceType: 'instance' as const, Tags: [{ Key: POOL_TAG, Value: 'p' }] }] };

  for (const [name, fault] of UNREADABLE.slice(0, 4)) {
    it(`RunInstances acted, then ${name}: throws with outcome unknown (never "launched 0")`, async () => {
      proxy.plan = schedule({ RunInstances: [fault()] });
      const err = await caught(runInstances(client, input));
      expect(err).toMatchObject({ kind: 'unreadable', outcome: 'unknown', message: expect.stringMatching(/^EC2 RunInstances: /) });
      expect(fake.live('p')).toHaveLength(2);
    });
  }

  it('RunInstances: a RunInstancesResponse without instancesSet is unknown too', async () => {
    proxy.plan = schedule({ RunInstances: [faults.body('<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId><reservationId>r-1</reservationId></RunInstancesResponse>')] });
    await expect(runInstances(client, input)).rejects.toMatchObject({ kind: 'unreadable', outcome: 'unknown', message: expect.stringContaining('instancesSet') });
  });

  it('RunInstances: an EC2 error is a known failure (nothing launched), a lost answer an unknown outcome', async () => {
    fake.capacity = () => 'InsufficientInstanceCapacity';
    await expect(runInstances(client, input)).rejects.toMatchObject({ code: 'InsufficientInstanceCapacity', outcome: 'failed' });
    fake.capacity = () => null;
    proxy.plan = schedule({ RunInstances: [undefined, faults.dropAfter()] });
    await expect(runInstances(client, input)).rejects.toMatchObject({ outcome: 'unknown' });
    expect(fake.live('p')).toHaveLength(2);
  });

  describe('CreateFleet (instant)', () => {
    const fleetInput = (token = 'eas-fleet-1') => ({
      Type: 'instant' as const,
      ClientToken: token,
      TargetCapacitySpecification: { TotalTargetCapacity: 3, DefaultTargetCapacityType: 'spot' as const, SpotTargetCapacity: 3 },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized' as const },
      LaunchTemplateConfigs: [{ LaunchTemplateSpecification: { LaunchTemplateName: 't', Version: '1' }, Overrides: [{ InstanceType: 'm5.large' as const, SubnetId: 'subnet-a' }, { InstanceType: 'c5.large' as const, SubnetId: 'subnet-b' }] }],
      TagSpecifications: [{ ResourceType: 'instance' as const, Tags: [{ Key: POOL_TAG, Value: 'p' }] }],
    });

    it('partial success read through the real SDK: instances per override, errors per override', async () => {
      fake.capacity = (_market, type) => (type === 'm5.large' ? 'InsufficientInstanceCapacity' : null);
      const out = await createFleet(client, fleetInput());
      expect(out.errors).toEqual([{ code: 'InsufficientInstanceCapacity', message: 'There is no spot capacity for m5.large (fake)', type: 'm5.large', subnet: 'subnet-a', lifecycle: 'spot' }]);
      expect(out.launched).toEqual([{ instanceIds: fake.live('p').map((i) => i.id), type: 'c5.large', subnet: 'subnet-b', lifecycle: 'spot' }]);
      expect(fake.live('p').map((i) => i.tags['aws:ec2:fleet-id'])).toEqual([out.fleetId, out.fleetId, out.fleetId]);
    });

    for (const [name, fault] of UNREADABLE.slice(0, 4)) {
      it(`acted, then ${name}: throws with outcome unknown (never "launched 0")`, async () => {
        proxy.plan = schedule({ CreateFleet: [fault()] });
        const err = await caught(createFleet(client, fleetInput()));
        expect(err).toMatchObject({ kind: 'unreadable', outcome: 'unknown', message: expect.stringMatching(/^EC2 CreateFleet: .*instances may have been launched/) });
        expect(fake.live('p')).toHaveLength(3);
      });
    }

    it('a CreateFleetResponse without fleetId is unknown too; the same token sent again answers the same instances, launching nothing more', async () => {
      proxy.plan = schedule({ CreateFleet: [faults.body('<CreateFleetResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId><fleetInstanceSet/></CreateFleetResponse>')] });
      await expect(createFleet(client, fleetInput())).rejects.toMatchObject({ kind: 'unreadable', outcome: 'unknown', message: expect.stringContaining('fleetId') });
      const again = await createFleet(client, fleetInput());
      expect(again.launched.flatMap((g) => g.instanceIds).sort()).toEqual(fake.live('p').map((i) => i.id).sort());
      expect(fake.live('p')).toHaveLength(3);
    });
  });

  it('CreateTags: an unreadable 200 throws (unknown outcome), a readable one passes', async () => {
    const i = fake.add({ tags: { [POOL_TAG]: 'p' } });
    proxy.plan = schedule({ CreateTags: [faults.html(), faults.empty()] });
    await expect(tagInstances(client, [i.id], { a: '1' })).rejects.toMatchObject({ kind: 'unreadable', outcome: 'unknown', message: expect.stringMatching(/^EC2 CreateTags: .*HTML/) });
    await expect(tagInstances(client, [i.id], { a: '2' })).rejects.toMatchObject({ kind: 'unreadable', outcome: 'unknown' });
    await expect(tagInstances(client, [i.id], { a: '3' })).resolves.toBeUndefined();
    expect(i.tags.a).toBe('3');
  });

  it('TerminateInstances: an unreadable 200 throws (unknown outcome) instead of "terminated none"', async () => {
    const i = fake.add({ tags: { [POOL_TAG]: 'p' } });
    proxy.plan = schedule({ TerminateInstances: [faults.emptyResponse()] });
    await expect(terminateInstances(client, [i.id])).rejects.toMatchObject({ kind: 'unreadable', outcome: 'unknown', message: expect.stringMatching(/^EC2 TerminateInstances: /) });
    const j = fake.add({ tags: { [POOL_TAG]: 'p' } });
    await expect(terminateInstances(client, [j.id])).resolves.toEqual([j.id]);
  });

  it('DescribeSpotPriceHistory: an unreadable 200 throws (the caller then keeps the file order)', async () => {
    fake.spotPrices = { 'c5.large': 0.03 };
    proxy.plan = schedule({ DescribeSpotPriceHistory: [faults.html()] });
    await expect(latestSpotPrices(client, ['c5.large'], new Date(0))).rejects.toMatchObject({ kind: 'unreadable' });
    await expect(latestSpotPrices(client, ['c5.large'], new Date(0))).resolves.toEqual(new Map([['c5.large', 0.03]]));
  });
});
