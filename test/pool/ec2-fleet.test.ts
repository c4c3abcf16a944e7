import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  RunInstancesCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { memoryIntentStore } from '../../src/pool/launch-ledger.js';
import { ec2Error } from '../aws/helpers.js';

/**
 * `backend.allocation: "price-capacity-optimized"`: one CreateFleet (instant) per market and tick
 * over instance types x subnets, its answer read per override (partial success, errors per
 * override into the capacity backoff), the on-demand fallback for the remainder, and an answer that
 * cannot be read treated as an unknown outcome resolved by sending the same fleet again.
 */
const ec2Mock = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const NOW = Date.UTC(2026, 11, 7, 12);
const ISO = new Date(NOW).toISOString();

beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2Mock.on(CreateLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-1' } });
});
afterAll(() => ec2Mock.restore());

const config = (more: Partial<Ec2BackendConfig> = {}): Ec2BackendConfig => ({
  type: 'ec2',
  allocation: 'price-capacity-optimized',
  launch: { imageId: 'ami-0123456789abcdef', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'], instanceProfile: 'trainer-profile', userData: '#!/bin/sh\necho hi\n' },
  instanceTypes: ['c5.large', 'm5.large'],
  market: 'spot',
  onDemandFallback: true,
  capacityBackoff: 15 * 60_000,
  tags: {},
  ...more,
});

let seq = 0;
/** A fleet answer: `made` instances per "type@subnet" (lifecycle of the request), errors per "type@subnet". */
function answer(input: CreateFleetCommandInput, made: Record<string, number>, errors: Record<string, string> = {}): CreateFleetCommandOutput {
  const lifecycle = input.TargetCapacitySpecification!.DefaultTargetCapacityType as 'spot' | 'on-demand';
  const split = (k: string) => ({ InstanceType: k.split('@')[0] as 'c5.large', SubnetId: k.split('@')[1]! });
  return {
    $metadata: {},
    FleetId: `fleet-${++seq}`,
    Instances: Object.entries(made).map(([k, n]) => ({ LaunchTemplateAndOverrides: { Overrides: split(k) }, Lifecycle: lifecycle, InstanceType: split(k).InstanceType, InstanceIds: Array.from({ length: n }, () => `i-${++seq}`) })),
    Errors: Object.entries(errors).map(([k, code]) => ({ LaunchTemplateAndOverrides: { Overrides: split(k) }, Lifecycle: lifecycle, ErrorCode: code, ErrorMessage: `${code} for ${k}` })),
  };
}
const fleets = () => ec2Mock.commandCalls(CreateFleetCommand).map((c) => c.args[0].input);
const overrides = (i: CreateFleetCommandInput) => (i.LaunchTemplateConfigs![0]!.Overrides ?? []).map((o) => `${o.InstanceType}@${o.SubnetId}`);

describe('launch through CreateFleet (price-capacity-optimized)', () => {
  it('one CreateFleet instant over types x subnets with the pool tags and a ClientToken; the pool\'s own launch template made first; no price lookup, no RunInstances', async () => {
    ec2Mock.on(CreateFleetCommand).callsFake((input: CreateFleetCommandInput) => answer(input, { 'm5.large@subnet-b': 2, 'c5.large@subnet-a': 1 }));
    const out = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(3, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.launched.map((h) => [h.state, h.lifecycle, h.instanceType])).toEqual([
      ['launching', 'spot', 'm5.large'],
      ['launching', 'spot', 'm5.large'],
      ['launching', 'spot', 'c5.large'],
    ]);
    const lt = ec2Mock.commandCalls(CreateLaunchTemplateCommand).map((c) => c.args[0].input);
    expect(lt).toHaveLength(1);
    expect(lt[0]).toMatchObject({
      LaunchTemplateName: expect.stringMatching(/^evalai-autoscaler-trainers-[0-9a-f]{16}$/),
      LaunchTemplateData: { ImageId: 'ami-0123456789abcdef', SecurityGroupIds: ['sg-1'], IamInstanceProfile: { Name: 'trainer-profile' }, UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64') },
    });
    const [f, ...rest] = fleets();
    expect(rest).toEqual([]);
    expect(f).toEqual({
      Type: 'instant',
      ClientToken: expect.stringMatching(/^eas-[0-9a-f]{32}$/),
      TargetCapacitySpecification: { TotalTargetCapacity: 3, DefaultTargetCapacityType: 'spot', SpotTargetCapacity: 3 },
      SpotOptions: { AllocationStrategy: 'price-capacity-optimized', InstanceInterruptionBehavior: 'terminate' },
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateName: lt[0]!.LaunchTemplateName, Version: '1' },
          Overrides: [
            { InstanceType: 'c5.large', SubnetId: 'subnet-a' },
            { InstanceType: 'c5.large', SubnetId: 'subnet-b' },
            { InstanceType: 'm5.large', SubnetId: 'subnet-a' },
            { InstanceType: 'm5.large', SubnetId: 'subnet-b' },
          ],
        },
      ],
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'Name', Value: 'evalai-autoscaler trainers' },
            { Key: 'evalai-autoscaler:pool', Value: 'trainers' },
            { Key: 'evalai-autoscaler:state', Value: 'launching' },
            { Key: 'evalai-autoscaler:state-since', Value: ISO },
            { Key: 'evalai-autoscaler:scheduler', Value: 'local' },
          ],
        },
      ],
    });
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)).toHaveLength(0);
  });

  it('a file\'s launch template is used as it is (no CreateLaunchTemplate); without types or subnets, no overrides', async () => {
    ec2Mock.on(CreateFleetCommand).resolves({ FleetId: 'fleet-t', Instances: [{ Lifecycle: 'spot', InstanceType: 't3.large', InstanceIds: ['i-t'] }], Errors: [] });
    const out = await ec2Backend({ client, pool: 'trainers', config: config({ launch: undefined, launchTemplate: { name: 'ws', version: '7' }, instanceTypes: [] }) }).launch(1, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched.map((h) => h.id)).toEqual(['i-t']);
    expect(ec2Mock.commandCalls(CreateLaunchTemplateCommand)).toHaveLength(0);
    expect(fleets()[0]!.LaunchTemplateConfigs).toEqual([{ LaunchTemplateSpecification: { LaunchTemplateName: 'ws', Version: '7' } }]);
  });

  it('on-demand from a template without types: one on-demand fleet, lowest-price (no overrides to rank), no spot fleet', async () => {
    ec2Mock.on(CreateFleetCommand).resolves({ FleetId: 'fleet-od', Instances: [{ Lifecycle: 'on-demand', InstanceType: 't3.large', InstanceIds: ['i-od'] }], Errors: [] });
    const out = await ec2Backend({ client, pool: 'trainers', config: config({ launch: undefined, launchTemplate: { name: 'ws', version: '7' }, instanceTypes: [], market: 'on-demand' }) }).launch(1, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched.map((h) => [h.id, h.lifecycle])).toEqual([['i-od', 'on-demand']]);
    expect(fleets().map((f) => [f.TargetCapacitySpecification!.DefaultTargetCapacityType, f.OnDemandOptions, f.SpotOptions])).toEqual([['on-demand', { AllocationStrategy: 'lowest-price' }, undefined]]);
  });

  it('partial success: the offers EC2 had no capacity on are backed off, the remainder goes to one on-demand fleet (file order), within the cap', async () => {
    ec2Mock
      .on(CreateFleetCommand)
      .callsFakeOnce((input: CreateFleetCommandInput) => answer(input, { 'c5.large@subnet-a': 1 }, { 'm5.large@subnet-a': 'InsufficientInstanceCapacity', 'm5.large@subnet-b': 'UnfulfillableCapacity' }))
      .callsFakeOnce((input: CreateFleetCommandInput) => answer(input, { 'c5.large@subnet-b': 2 }));
    const out = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(5, { now: NOW, maxHosts: 3, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.allowed).toBe(3);
    expect(out.launched.map((h) => `${h.lifecycle} ${h.instanceType}`)).toEqual(['spot c5.large', 'on-demand c5.large', 'on-demand c5.large']);
    const [spot, onDemand] = fleets();
    expect(spot!.TargetCapacitySpecification!.TotalTargetCapacity).toBe(3);
    expect(onDemand!.TargetCapacitySpecification).toEqual({ TotalTargetCapacity: 2, DefaultTargetCapacityType: 'on-demand', OnDemandTargetCapacity: 2 });
    expect(onDemand!.OnDemandOptions).toEqual({ AllocationStrategy: 'prioritized' });
    expect(onDemand!.LaunchTemplateConfigs![0]!.Overrides!.map((o) => o.Priority)).toEqual([0, 0, 1, 1]);
    expect(onDemand!.ClientToken).not.toBe(spot!.ClientToken);
    const first = { until: NOW + 60_000, stepMs: 60_000 };
    expect(out.backoff).toEqual({ 'spot:m5.large@subnet-a': first, 'spot:m5.large@subnet-b': first });
    expect(out.attempts.map((a) => `${a.outcome} ${a.offer}${a.error ? ` ${a.error}` : ''}`)).toEqual([
      'launched spot c5.large in subnet-a',
      'capacity spot m5.large in subnet-a InsufficientInstanceCapacity',
      'capacity spot m5.large in subnet-b UnfulfillableCapacity',
      'launched on-demand c5.large in subnet-b',
    ]);
  });

  it('every spot offer out of capacity: on-demand takes the whole launch; next tick the backed-off offers are left out of the spot fleet', async () => {
    const all = { 'c5.large@subnet-a': 'InsufficientInstanceCapacity', 'c5.large@subnet-b': 'InsufficientInstanceCapacity', 'm5.large@subnet-a': 'InsufficientInstanceCapacity' };
    ec2Mock
      .on(CreateFleetCommand)
      .callsFakeOnce((input: CreateFleetCommandInput) => answer(input, {}, all))
      .callsFakeOnce((input: CreateFleetCommandInput) => answer(input, { 'c5.large@subnet-a': 2 }))
      .callsFakeOnce((input: CreateFleetCommandInput) => answer(input, { 'm5.large@subnet-b': 1 }));
    const backend = ec2Backend({ client, pool: 'trainers', config: config() });
    const out = await backend.launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched.map((h) => h.lifecycle)).toEqual(['on-demand', 'on-demand']);
    expect(Object.keys(out.backoff).sort()).toEqual(['spot:c5.large@subnet-a', 'spot:c5.large@subnet-b', 'spot:m5.large@subnet-a']);
    const next = await backend.launch(1, { now: NOW + 30_000, maxHosts: 10, backoff: out.backoff });
    expect(fleets().slice(2).map(overrides)).toEqual([['m5.large@subnet-b']]);
    expect(next.attempts.filter((a) => a.outcome === 'avoided')).toHaveLength(3);
    expect(next.launched).toHaveLength(1);
  });

  it('spot only (no fallback) and no capacity anywhere: nothing launched, the error names the offers', async () => {
    ec2Mock.on(CreateFleetCommand).callsFake((input: CreateFleetCommandInput) => answer(input, {}, { 'c5.large@subnet-a': 'InsufficientInstanceCapacity' }));
    const out = await ec2Backend({ client, pool: 'trainers', config: config({ onDemandFallback: false }) }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched).toEqual([]);
    expect(fleets()).toHaveLength(1);
    expect(out.error).toMatch(/^no capacity/);
    // The error named one override; the fleet's other offers launched nothing and were not named: left as they were.
    expect(Object.keys(out.backoff)).toEqual(['spot:c5.large@subnet-a']);
  });

  it('an error that is not about capacity (the instance profile cannot be passed) stops the launch: no on-demand fleet, the error reported', async () => {
    ec2Mock.on(CreateFleetCommand).callsFake((input: CreateFleetCommandInput) => answer(input, {}, { 'c5.large@subnet-a': 'UnauthorizedOperation', 'm5.large@subnet-a': 'UnauthorizedOperation' }));
    const out = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(fleets()).toHaveLength(1);
    expect(out.error).toBe('CreateFleet launched nothing: UnauthorizedOperation: UnauthorizedOperation for c5.large@subnet-a');
    expect(out.backoff).toEqual({});
  });

  it('CreateFleet refused as a whole (a definite error): the intent is dropped, the next launch has the room again', async () => {
    ec2Mock.on(CreateFleetCommand).rejectsOnce(ec2Error('InvalidParameterValue', 'bad')).callsFake((input: CreateFleetCommandInput) => answer(input, { 'c5.large@subnet-a': 2 }));
    const ledger = memoryIntentStore();
    const backend = ec2Backend({ client, pool: 'trainers', config: config(), ledger });
    const out = await backend.launch(2, { now: NOW, maxHosts: 2, backoff: {} });
    expect(out.error).toMatch(/InvalidParameterValue/);
    expect((await ledger.load()).intents).toEqual([]);
    const next = await backend.launch(2, { now: NOW + 60_000, maxHosts: 2, backoff: {} });
    expect(next.launched).toHaveLength(2);
  });

  it('an answer that cannot be read (no fleetId): unknown outcome, nothing more this tick; the launch stays counted and is sent again with the same token and input next tick, which names its instances', async () => {
    ec2Mock.on(CreateFleetCommand).resolvesOnce({ $metadata: {} }).callsFake((input: CreateFleetCommandInput) => answer(input, { 'c5.large@subnet-a': 2 }));
    const ledger = memoryIntentStore();
    const backend = ec2Backend({ client, pool: 'trainers', config: config(), ledger });
    const out = await backend.launch(2, { now: NOW, maxHosts: 3, backoff: {} });
    expect(out.launched).toEqual([]);
    expect(out.error).toMatch(/^CreateFleet outcome unknown .*stays counted/);
    expect(fleets()).toHaveLength(1);
    const [intent] = (await ledger.load()).intents;
    expect(intent).toMatchObject({ count: 2, instanceIds: null, offer: expect.stringMatching(/^fleet:spot:/) });

    const next = await backend.launch(3, { now: NOW + 60_000, maxHosts: 3, backoff: {} });
    const [lost, again, fresh] = fleets();
    expect(again).toEqual(lost);
    expect(next.resolved).toHaveLength(2);
    // 3 wanted, 2 of them the resolved launch (not listed yet): room for 1 new.
    expect(next.allowed).toBe(1);
    expect(fresh!.TargetCapacitySpecification!.TotalTargetCapacity).toBe(1);
  });

  it('sent again and still unknown (a 500): nothing new launched; sent again with the pool file changed (IdempotentParameterMismatch): stays counted', async () => {
    const script: Array<() => CreateFleetCommandOutput> = [
      () => ({ $metadata: {} }),
      () => {
        throw Object.assign(ec2Error('InternalError'), { $fault: 'server', $metadata: { httpStatusCode: 500 } });
      },
      () => {
        throw ec2Error('IdempotentParameterMismatch');
      },
    ];
    ec2Mock.on(CreateFleetCommand).callsFake(() => script.shift()!());
    const ledger = memoryIntentStore();
    await ec2Backend({ client, pool: 'trainers', config: config(), ledger }).launch(2, { now: NOW, maxHosts: 2, backoff: {} });
    const second = await ec2Backend({ client, pool: 'trainers', config: config(), ledger }).launch(2, { now: NOW + 60_000, maxHosts: 2, backoff: {} });
    expect(second.error).toMatch(/outcome is still unknown/);
    expect(fleets()).toHaveLength(2);
    const third = await ec2Backend({ client, pool: 'trainers', config: config(), ledger }).launch(2, { now: NOW + 120_000, maxHosts: 2, backoff: {} });
    expect(third.allowed).toBe(0);
    expect(third.attempts.some((a) => /stays counted until/.test(a.error ?? ''))).toBe(true);
    expect(fleets()).toHaveLength(3);
  });

  it('dry run: CreateFleet with DryRun (DryRunOperation: would launch); the pool\'s own template only checked (DryRun), nothing written', async () => {
    ec2Mock.on(CreateLaunchTemplateCommand).rejects(ec2Error('DryRunOperation'));
    ec2Mock.on(CreateFleetCommand).rejects(ec2Error('DryRunOperation'));
    const ledger = memoryIntentStore();
    const out = await ec2Backend({ client, pool: 'trainers', config: config(), ledger }).validateLaunch!(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.attempts.map((a) => a.outcome)).toEqual(['would-launch']);
    expect(ec2Mock.commandCalls(CreateLaunchTemplateCommand)[0]!.args[0].input.DryRun).toBe(true);
    expect(fleets()[0]!.DryRun).toBe(true);
    expect((await ledger.load()).intents).toEqual([]);
  });

  it('the pool\'s template already exists (EC2 says so): used as it is, asked once per backend', async () => {
    ec2Mock.on(CreateLaunchTemplateCommand).rejects(ec2Error('InvalidLaunchTemplateName.AlreadyExistsException'));
    ec2Mock.on(CreateFleetCommand).callsFake((input: CreateFleetCommandInput) => answer(input, { 'c5.large@subnet-a': 1 }));
    const backend = ec2Backend({ client, pool: 'trainers', config: config() });
    await backend.launch(1, { now: NOW, maxHosts: 10, backoff: {} });
    const again = await backend.launch(1, { now: NOW + 60_000, maxHosts: 10, backoff: {} });
    expect(again.launched).toHaveLength(1);
    expect(ec2Mock.commandCalls(CreateLaunchTemplateCommand)).toHaveLength(1);
  });
});
