import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  DescribeSubnetsCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { ec2Error } from '../aws/helpers.js';
import { Ec2Fake } from './ec2-fake.js';

const ec2Mock = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const ISO = new Date(NOW).toISOString();

beforeEach(() => ec2Mock.reset());
afterAll(() => ec2Mock.restore());

const templateConfig = (more: Partial<Ec2BackendConfig> = {}): Ec2BackendConfig => ({
  type: 'ec2',
  // About RunInstances: the allocation that launches through it (the default is CreateFleet).
  allocation: 'lowest-price-order',
  launchTemplate: { name: 'workspace-host', version: '7' },
  instanceTypes: [],
  market: 'spot',
  onDemandFallback: true,
  capacityBackoff: 15 * 60_000,
  tags: {},
  ...more,
});

const explicitConfig = (more: Partial<Ec2BackendConfig> = {}): Ec2BackendConfig => ({
  type: 'ec2',
  // About RunInstances: the allocation that launches through it (the default is CreateFleet).
  allocation: 'lowest-price-order',
  launch: { imageId: 'ami-0123456789abcdef', subnetIds: ['subnet-a'], securityGroupIds: ['sg-1'], instanceProfile: 'trainer-profile', keyName: 'ops', userData: '#!/bin/sh\necho hi\n' },
  instanceTypes: ['c5.large', 'c5.xlarge', 'm5.large'],
  market: 'spot',
  onDemandFallback: true,
  capacityBackoff: 15 * 60_000,
  tags: {},
  ...more,
});

const POOL_FILTERS = [
  { Name: 'tag:evalai-autoscaler:pool', Values: ['trainers'] },
  { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
];
/** A tick's listing: terminated instances too, to record the ones gone since the last tick. */
const LIST_FILTERS = [POOL_FILTERS[0]!, { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] }];

const TAGS = [
  { Key: 'Name', Value: 'evalai-autoscaler trainers' },
  { Key: 'evalai-autoscaler:pool', Value: 'trainers' },
  { Key: 'evalai-autoscaler:state', Value: 'launching' },
  { Key: 'evalai-autoscaler:state-since', Value: ISO },
  { Key: 'evalai-autoscaler:scheduler', Value: 'local' },
];

function withFake(): Ec2Fake {
  const fake = new Ec2Fake();
  fake.now = NOW;
  fake.install(ec2Mock);
  return fake;
}

describe('list', () => {
  it('DescribeInstances filtered on the pool tag, every page, state tags read', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'running' }, LaunchTime: new Date(NOW - 3_600_000), InstanceType: 'c5.large', InstanceLifecycle: 'spot', PrivateIpAddress: '10.0.0.1', Placement: { AvailabilityZone: 'us-east-1a' }, Tags: [{ Key: 'evalai-autoscaler:pool', Value: 'trainers' }, { Key: 'evalai-autoscaler:state', Value: 'ready' }, { Key: 'evalai-autoscaler:state-since', Value: ISO }] }] }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-2', State: { Name: 'pending' }, LaunchTime: new Date(NOW), InstanceType: 'c5.xlarge', Tags: [{ Key: 'evalai-autoscaler:pool', Value: 'trainers' }] }] }],
      });
    const { hosts, calls } = await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).list();
    expect(calls).toBe(2);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: LIST_FILTERS, MaxResults: 1000 },
      { Filters: LIST_FILTERS, MaxResults: 1000, NextToken: 'page-2' },
    ]);
    expect(hosts).toEqual([
      { id: 'i-1', state: 'ready', since: NOW, cloud: 'running', launchedAt: NOW - 3_600_000, lifecycle: 'spot', instanceType: 'c5.large', zone: 'us-east-1a', privateIp: '10.0.0.1' },
      { id: 'i-2', state: 'untracked', since: null, cloud: 'pending', launchedAt: NOW, lifecycle: 'on-demand', instanceType: 'c5.xlarge' },
    ]);
  });

  it('an instance in the answer without the pool tag is dropped (the filter is checked again)', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-x', State: { Name: 'running' }, Tags: [{ Key: 'evalai-autoscaler:pool', Value: 'other' }] }] }] });
    expect((await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).list()).hosts).toEqual([]);
  });

  it('an unknown state tag makes an orphan', async () => {
    const fake = withFake();
    fake.add({ tags: { 'evalai-autoscaler:pool': 'trainers', 'evalai-autoscaler:state': 'sleeping' } });
    expect((await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).list()).hosts[0]!.state).toBe('untracked');
  });
});

describe('launch', () => {
  it('from a launch template: spot, MinCount/MaxCount, the pool and state tags on instance AND volume', async () => {
    withFake();
    const out = await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).launch(3, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched.map((h) => [h.state, h.since, h.lifecycle])).toEqual([['launching', NOW, 'spot'], ['launching', NOW, 'spot'], ['launching', NOW, 'spot']]);
    const runs = ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
    expect(runs).toEqual([
      {
        MinCount: 1,
        MaxCount: 3,
        ClientToken: expect.stringMatching(/^eas-[0-9a-f]{32}$/),
        LaunchTemplate: { LaunchTemplateName: 'workspace-host', Version: '7' },
        InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } },
        TagSpecifications: [
          { ResourceType: 'instance', Tags: TAGS },
          { ResourceType: 'volume', Tags: TAGS },
        ],
      },
    ]);
    // A single type (the template's): no spot price asked.
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)).toHaveLength(0);
  });

  it('a template by id, on-demand: no InstanceMarketOptions; extra tags kept, Name from the file', async () => {
    withFake();
    await ec2Backend({ client, pool: 'trainers', config: templateConfig({ launchTemplate: { id: 'lt-0abc', version: '$Latest' }, market: 'on-demand', tags: { Name: 'ws', team: 'ml' } }) }).launch(1, { now: NOW, maxHosts: 10, backoff: {} });
    const input = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(input.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0abc', Version: '$Latest' });
    expect(input.InstanceMarketOptions).toBeUndefined();
    expect(input.TagSpecifications![0]!.Tags).toEqual([{ Key: 'Name', Value: 'ws' }, { Key: 'team', Value: 'ml' }, ...TAGS.slice(1)]);
  });

  it('from explicit settings (seed 002): AMI, subnet, groups, profile, key, user data in base64', async () => {
    const fake = withFake();
    fake.spotPrices = { 'c5.large': 0.05, 'c5.xlarge': 0.09, 'm5.large': 0.04 };
    await ec2Backend({ client, pool: 'trainers', config: explicitConfig() }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    const input = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      MinCount: 1,
      MaxCount: 2,
      ImageId: 'ami-0123456789abcdef',
      InstanceType: 'm5.large',
      SubnetId: 'subnet-a',
      SecurityGroupIds: ['sg-1'],
      IamInstanceProfile: { Name: 'trainer-profile' },
      KeyName: 'ops',
      UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
    });
    expect(input.LaunchTemplate).toBeUndefined();
  });

  it('spot types by the latest price per type and zone, cheapest first', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({
      SpotPriceHistory: [
        // c5.large: an old cheap price, then the current dearer one; m5.large cheapest in one zone.
        { InstanceType: 'c5.large', AvailabilityZone: 'us-east-1a', SpotPrice: '0.01', Timestamp: new Date(NOW - 7_200_000) },
        { InstanceType: 'c5.large', AvailabilityZone: 'us-east-1a', SpotPrice: '0.08', Timestamp: new Date(NOW - 60_000) },
        { InstanceType: 'c5.xlarge', AvailabilityZone: 'us-east-1a', SpotPrice: '0.06', Timestamp: new Date(NOW - 60_000) },
        { InstanceType: 'm5.large', AvailabilityZone: 'us-east-1b', SpotPrice: '0.07', Timestamp: new Date(NOW - 60_000) },
        { InstanceType: 'm5.large', AvailabilityZone: 'us-east-1a', SpotPrice: '0.03', Timestamp: new Date(NOW - 60_000) },
      ],
    });
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('InsufficientInstanceCapacity'));
    await ec2Backend({ client, pool: 'trainers', config: explicitConfig({ onDemandFallback: false }) }).launch(1, { now: NOW, maxHosts: 10, backoff: {} });
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceTypes: ['c5.large', 'c5.xlarge', 'm5.large'], ProductDescriptions: ['Linux/UNIX'], StartTime: new Date(NOW) },
    ]);
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.InstanceType)).toEqual(['m5.large', 'c5.xlarge', 'c5.large']);
  });

  it('with subnets in several zones: each (type, subnet) offer by the spot price of that type in that subnet\'s zone (one DescribeSubnets per backend)', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2Mock.on(DescribeSubnetsCommand).resolves({ Subnets: [{ SubnetId: 'subnet-a', AvailabilityZone: 'us-east-1a' }, { SubnetId: 'subnet-b', AvailabilityZone: 'us-east-1b' }] });
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({
      SpotPriceHistory: [
        { InstanceType: 'c5.large', AvailabilityZone: 'us-east-1a', SpotPrice: '0.10', Timestamp: new Date(NOW - 60_000) },
        { InstanceType: 'c5.large', AvailabilityZone: 'us-east-1b', SpotPrice: '0.03', Timestamp: new Date(NOW - 60_000) },
        { InstanceType: 'm5.large', AvailabilityZone: 'us-east-1a', SpotPrice: '0.05', Timestamp: new Date(NOW - 60_000) },
        { InstanceType: 'm5.large', AvailabilityZone: 'us-east-1b', SpotPrice: '0.20', Timestamp: new Date(NOW - 60_000) },
        // A zone none of the pool's subnets is in: never the price of an offer.
        { InstanceType: 'm5.large', AvailabilityZone: 'us-east-1c', SpotPrice: '0.001', Timestamp: new Date(NOW - 60_000) },
      ],
    });
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('InsufficientInstanceCapacity'));
    const backend = ec2Backend({ client, pool: 'trainers', config: explicitConfig({ onDemandFallback: false, instanceTypes: ['c5.large', 'm5.large'], launch: { imageId: 'ami-1', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: [] } }) });
    await backend.launch(1, { now: NOW, maxHosts: 10, backoff: {} });
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => `${c.args[0].input.InstanceType}@${c.args[0].input.SubnetId}`)).toEqual(['c5.large@subnet-b', 'm5.large@subnet-a', 'c5.large@subnet-a', 'm5.large@subnet-b']);
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)[0]!.args[0].input.Filters).toEqual([{ Name: 'availability-zone', Values: ['us-east-1a', 'us-east-1b'] }]);
    await backend.launch(1, { now: NOW + 60_000, maxHosts: 10, backoff: {} });
    expect(ec2Mock.commandCalls(DescribeSubnetsCommand)).toHaveLength(1);
  });

  it('capacity errors: down the list, then on-demand; failed offers come back as backoff and are avoided next time', async () => {
    const fake = withFake();
    fake.spotPrices = { 'c5.large': 0.05, 'c5.xlarge': 0.09, 'm5.large': 0.04 };
    const codes: Record<string, string> = { 'm5.large': 'SpotMaxPriceTooLow', 'c5.large': 'InsufficientInstanceCapacity', 'c5.xlarge': 'MaxSpotInstanceCountExceeded' };
    fake.capacity = (market, type) => (market === 'spot' ? codes[type] ?? null : type === 'c5.large' ? 'Unsupported' : null);
    const backend = ec2Backend({ client, pool: 'trainers', config: explicitConfig() });
    const out = await backend.launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    const tried = ec2Mock.commandCalls(RunInstancesCommand).map((c) => `${c.args[0].input.InstanceMarketOptions ? 'spot' : 'on-demand'} ${c.args[0].input.InstanceType}`);
    expect(tried).toEqual(['spot m5.large', 'spot c5.large', 'spot c5.xlarge', 'on-demand c5.large', 'on-demand c5.xlarge']);
    expect(out.launched.map((h) => [h.instanceType, h.lifecycle])).toEqual([['c5.xlarge', 'on-demand'], ['c5.xlarge', 'on-demand']]);
    expect(out.error).toBeUndefined();
    // A first capacity error: a short backoff (1 min), per offer.
    const first = { until: NOW + 60_000, stepMs: 60_000 };
    expect(out.backoff).toEqual({ 'spot:m5.large@subnet-a': first, 'spot:c5.large@subnet-a': first, 'spot:c5.xlarge@subnet-a': first, 'on-demand:c5.large@subnet-a': first });

    ec2Mock.resetHistory();
    const next = await backend.launch(1, { now: NOW + 30_000, maxHosts: 10, backoff: out.backoff });
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.InstanceType)).toEqual(['c5.xlarge']);
    expect(next.attempts.filter((a) => a.outcome === 'avoided')).toHaveLength(4);

    // Once the short backoff has passed, the cheapest is tried again; a success clears its entry.
    ec2Mock.resetHistory();
    fake.capacity = (market, type) => (market === 'spot' && type === 'c5.large' ? 'InsufficientInstanceCapacity' : null);
    const later = await backend.launch(1, { now: NOW + 61_000, maxHosts: 10, backoff: next.backoff });
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.InstanceType)).toEqual(['m5.large']);
    expect(later.backoff['spot:m5.large@subnet-a']).toBeUndefined();
  });

  it('capacity backoff per offer doubles on repeats up to capacityBackoff, and a success clears it', async () => {
    const fake = withFake();
    fake.capacity = (market) => (market === 'spot' ? 'InsufficientInstanceCapacity' : null);
    const backend = ec2Backend({ client, pool: 'trainers', config: templateConfig({ capacityBackoff: 5 * 60_000 }) });
    let backoff = {};
    const steps: number[] = [];
    let at = NOW;
    for (let k = 0; k < 5; k += 1) {
      const out = await backend.launch(1, { now: at, maxHosts: 100, backoff });
      backoff = out.backoff;
      steps.push(out.backoff['spot:template']!.stepMs);
      at = out.backoff['spot:template']!.until + 1; // tried again as soon as the wait is over
    }
    expect(steps).toEqual([60_000, 120_000, 240_000, 300_000, 300_000]);
    fake.capacity = () => null;
    const ok = await backend.launch(1, { now: at, maxHosts: 100, backoff });
    expect(ok.attempts.map((a) => a.outcome)).toEqual(['launched']);
    expect(ok.backoff).toEqual({});
  });

  it('a non-capacity error stops the launch and is reported', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized'));
    const out = await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(out.launched).toEqual([]);
    expect(out.error).toMatch(/^EC2 RunInstances: not authorised for this operation/);
  });

  it('no capacity anywhere: an error naming the offers', async () => {
    const fake = withFake();
    fake.capacity = () => 'InsufficientInstanceCapacity';
    const out = await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).launch(1, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.error).toBe('no capacity: every offer failed or is avoided (spot template type, on-demand template type)');
  });

  it('re-counts from EC2 right before launching: another scheduler\'s hosts leave less room', async () => {
    const fake = withFake();
    for (let i = 0; i < 3; i += 1) fake.add({ tags: { 'evalai-autoscaler:pool': 'trainers', 'evalai-autoscaler:state': 'launching' }, state: 'pending' });
    fake.add({ tags: { 'evalai-autoscaler:pool': 'trainers', 'evalai-autoscaler:state': 'draining' } }); // not counted
    fake.add({ tags: { 'evalai-autoscaler:pool': 'other', 'evalai-autoscaler:state': 'ready' } }); // another pool
    fake.add({ tags: {} }); // untagged
    const backend = ec2Backend({ client, pool: 'trainers', config: templateConfig() });
    const out = await backend.launch(4, { now: NOW, maxHosts: 5, backoff: {} });
    expect(out).toMatchObject({ wanted: 4, recounted: 3, allowed: 2 });
    expect(ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input.MaxCount)).toEqual([2]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input).toEqual({ Filters: POOL_FILTERS, MaxResults: 1000 });

    ec2Mock.resetHistory();
    const full = await backend.launch(1, { now: NOW, maxHosts: 5, backoff: {} });
    expect(full).toMatchObject({ recounted: 5, allowed: 0, launched: [] });
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });
});

describe('writeStates', () => {
  it('one CreateTags per (state, time), naming every host moved', async () => {
    ec2Mock.on(CreateTagsCommand).resolves({});
    await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).writeStates([
      { hostId: 'i-1', from: 'ready', to: 'draining', reason: 'excess', at: NOW },
      { hostId: 'i-2', from: 'ready', to: 'draining', reason: 'excess', at: NOW },
      { hostId: 'i-3', from: 'launching', to: 'ready', reason: 'running', at: NOW },
    ]);
    expect(ec2Mock.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      { Resources: ['i-1', 'i-2'], Tags: [{ Key: 'evalai-autoscaler:state', Value: 'draining' }, { Key: 'evalai-autoscaler:state-since', Value: ISO }] },
      { Resources: ['i-3'], Tags: [{ Key: 'evalai-autoscaler:state', Value: 'ready' }, { Key: 'evalai-autoscaler:state-since', Value: ISO }] },
    ]);
  });
});

describe('terminate', () => {
  it('re-checks the pool tag in the DescribeInstances right before, records the move, then terminates only those', async () => {
    const fake = withFake();
    const mine = fake.add({ tags: { 'evalai-autoscaler:pool': 'trainers', 'evalai-autoscaler:state': 'draining' } });
    const retagged = fake.add({ tags: { 'evalai-autoscaler:pool': 'other', 'evalai-autoscaler:state': 'draining' } });
    const untagged = fake.add({ tags: {} });
    const move = (id: string) => ({ hostId: id, from: 'draining' as const, to: 'terminating' as const, reason: 'draining and no jobs', at: NOW });
    const out = await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).terminate([
      { hostId: mine.id, move: move(mine.id) },
      { hostId: retagged.id, move: move(retagged.id) },
      { hostId: untagged.id, move: move(untagged.id) },
    ]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [...POOL_FILTERS, { Name: 'instance-id', Values: [mine.id, retagged.id, untagged.id] }], MaxResults: 1000 },
    ]);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [mine.id] }]);
    expect(ec2Mock.commandCalls(CreateTagsCommand).map((c) => c.args[0].input.Resources)).toEqual([[mine.id]]);
    expect(out.terminated).toEqual([mine.id]);
    expect(out.refused).toEqual([
      { hostId: retagged.id, reason: 'not found with evalai-autoscaler:pool=trainers right before the terminate: left alone' },
      { hostId: untagged.id, reason: 'not found with evalai-autoscaler:pool=trainers right before the terminate: left alone' },
    ]);
    expect(fake.instances.get(mine.id)!.tags['evalai-autoscaler:state']).toBe('terminating');
    expect(fake.instances.get(untagged.id)!.state).toBe('running');
    // The tag is written before the terminate.
    const order = ec2Mock.calls().map((c) => c.args[0].constructor.name);
    expect(order).toEqual(['DescribeInstancesCommand', 'CreateTagsCommand', 'TerminateInstancesCommand']);
  });

  it('the recheck hook keeps a host that took a job since the decision', async () => {
    const fake = withFake();
    const a = fake.add({ tags: { 'evalai-autoscaler:pool': 'trainers', 'evalai-autoscaler:state': 'draining' } });
    const b = fake.add({ tags: { 'evalai-autoscaler:pool': 'trainers', 'evalai-autoscaler:state': 'draining' } });
    const asked: string[] = [];
    const out = await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).terminate([{ hostId: a.id }, { hostId: b.id }], async (h) => {
      asked.push(`${h.id} ${h.privateIp}`);
      return h.id === a.id ? 'the probe now says 1 job' : null;
    });
    expect(asked).toEqual([`${a.id} ${a.privateIp}`, `${b.id} ${b.privateIp}`]);
    expect(out).toEqual({ terminated: [b.id], refused: [{ hostId: a.id, reason: 'the probe now says 1 job' }] });
    expect(ec2Mock.commandCalls(TerminateInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [b.id] }]);
    // A retry (no move) writes no tag.
    expect(ec2Mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
  });

  it('nothing confirmed: no TerminateInstances at all', async () => {
    withFake();
    const out = await ec2Backend({ client, pool: 'trainers', config: templateConfig() }).terminate([{ hostId: 'i-gone' }]);
    expect(out.terminated).toEqual([]);
    expect(ec2Mock.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });
});
