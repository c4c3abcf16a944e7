import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  RunInstancesCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
  type RunInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { memoryIntentStore } from '../../src/pool/launch-ledger.js';
import { ec2Error } from '../aws/helpers.js';

/**
 * `backend.allocation` unset: price-capacity-optimized through CreateFleet is the default, with one
 * fallback: a DEFINITE authorisation refusal of CreateFleet or CreateLaunchTemplate (the IAM policy
 * of an existing deployment lacks the action) makes that launch through RunInstances
 * (lowest-price-order) in the same tick, with a warning naming the action and the two ways out, and
 * the refusal is remembered for an hour. An unknown outcome is never a reason to fall back. Set
 * explicitly, `price-capacity-optimized` has no fallback.
 */
const ec2Mock = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const NOW = Date.UTC(2026, 11, 7, 12);
const HOUR = 60 * 60_000;

let seq = 0;
beforeEach(() => {
  ec2Mock.reset();
  ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2Mock.on(CreateLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-1' } });
  ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [] });
  ec2Mock.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => ({
    Instances: Array.from({ length: input.MaxCount! }, () => ({ InstanceId: `i-run${++seq}`, State: { Name: 'pending' }, InstanceType: input.InstanceType, Tags: [] })),
  }));
});
afterAll(() => ec2Mock.restore());

/** A pool file's backend without `allocation` (the default). */
const config = (more: Partial<Ec2BackendConfig> = {}): Ec2BackendConfig => ({
  type: 'ec2',
  launch: { imageId: 'ami-0123456789abcdef', subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] },
  instanceTypes: ['c5.large', 'm5.large'],
  market: 'spot',
  onDemandFallback: true,
  capacityBackoff: 15 * 60_000,
  tags: {},
  ...more,
});

function fleetAnswer(input: CreateFleetCommandInput): CreateFleetCommandOutput {
  const n = input.TargetCapacitySpecification!.TotalTargetCapacity!;
  return { $metadata: {}, FleetId: `fleet-${++seq}`, Instances: [{ Lifecycle: 'spot', InstanceType: 'c5.large', LaunchTemplateAndOverrides: { Overrides: { InstanceType: 'c5.large', SubnetId: 'subnet-a' } }, InstanceIds: Array.from({ length: n }, () => `i-fleet${++seq}`) }], Errors: [] };
}
const runCalls = () => ec2Mock.commandCalls(RunInstancesCommand).map((c) => c.args[0].input);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const unauthorised = () => ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.');

describe('allocation unset: CreateFleet by default, RunInstances only after a definite authorisation refusal', () => {
  it('the default launches through one CreateFleet (price-capacity-optimized), no RunInstances, no warning', async () => {
    ec2Mock.on(CreateFleetCommand).callsFake(fleetAnswer);
    const out = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(3, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.launched).toHaveLength(3);
    const fleets = ec2Mock.commandCalls(CreateFleetCommand).map((c) => c.args[0].input);
    expect(fleets).toHaveLength(1);
    expect(fleets[0]!.SpotOptions?.AllocationStrategy).toBe('price-capacity-optimized');
    expect(runCalls()).toEqual([]);
    expect(out.warnings ?? []).toEqual([]);
  });

  it('CreateFleet refused (UnauthorizedOperation): the same launch goes through RunInstances, a warning names ec2:CreateFleet and both ways out; remembered for an hour', async () => {
    ec2Mock.on(CreateFleetCommand).rejects(unauthorised());
    const ledger = memoryIntentStore();
    const out = await ec2Backend({ client, pool: 'trainers', config: config(), ledger }).launch(3, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.launched).toHaveLength(3);
    expect(out.launched.every((h) => h.id.startsWith('i-run'))).toBe(true);
    expect(sum(runCalls().map((i) => i.MaxCount!))).toBe(3);
    expect(out.attempts[0]).toMatchObject({ outcome: 'fell-back', error: expect.stringMatching(/UnauthorizedOperation/) });
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings![0]).toMatch(/ec2:CreateFleet .*refused \(UnauthorizedOperation\)/);
    expect(out.warnings![0]).toMatch(/RunInstances/);
    expect(out.warnings![0]).toMatch(/grant ec2:CreateFleet/);
    expect(out.warnings![0]).toMatch(/backend\.allocation: "lowest-price-order"/);
    // The ledger holds the RunInstances launches only (the refused fleet's intent was dropped).
    expect((await ledger.load()).intents.every((i) => !i.offer.startsWith('fleet:'))).toBe(true);

    // The next tick within the hour: no CreateFleet at all, RunInstances again, the warning again.
    ec2Mock.resetHistory();
    const next = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(2, { now: NOW + 10 * 60_000, maxHosts: 10, backoff: out.backoff });
    expect(ec2Mock.commandCalls(CreateFleetCommand)).toHaveLength(0);
    expect(next.launched).toHaveLength(2);
    expect(next.warnings![0]).toMatch(/ec2:CreateFleet .*refused/);

    // After the hour: CreateFleet is tried again (now granted).
    ec2Mock.resetHistory();
    ec2Mock.on(CreateFleetCommand).callsFake(fleetAnswer);
    const later = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(1, { now: NOW + HOUR + 60_000, maxHosts: 10, backoff: next.backoff });
    expect(ec2Mock.commandCalls(CreateFleetCommand)).toHaveLength(1);
    expect(runCalls()).toEqual([]);
    expect(later.launched).toHaveLength(1);
    expect(later.warnings ?? []).toEqual([]);
  });

  it('CreateLaunchTemplate refused (raw launch fields): no CreateFleet, RunInstances launches, the warning names ec2:CreateLaunchTemplate', async () => {
    ec2Mock.on(CreateLaunchTemplateCommand).rejects(unauthorised());
    ec2Mock.on(CreateFleetCommand).callsFake(fleetAnswer);
    const out = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(ec2Mock.commandCalls(CreateFleetCommand)).toHaveLength(0);
    expect(out.launched).toHaveLength(2);
    expect(out.warnings![0]).toMatch(/ec2:CreateLaunchTemplate .*refused/);
    expect(out.warnings![0]).toMatch(/grant ec2:CreateFleet and ec2:CreateLaunchTemplate/);
  });

  it('the cap holds through the fallback: 3 hosts already there, maxHosts 5, 4 wanted -> RunInstances for 2 at most', async () => {
    const running = (id: string) => ({ InstanceId: id, State: { Name: 'running' as const }, Tags: [{ Key: 'evalai-autoscaler:pool', Value: 'trainers' }, { Key: 'evalai-autoscaler:state', Value: 'ready' }] });
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [running('i-1'), running('i-2'), running('i-3')] }] });
    ec2Mock.on(CreateFleetCommand).rejects(unauthorised());
    const out = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(4, { now: NOW, maxHosts: 5, backoff: {} });
    expect(out.allowed).toBe(2);
    expect(out.launched).toHaveLength(2);
    expect(sum(runCalls().map((i) => i.MaxCount!))).toBe(2);
    // The fleet was asked for those 2 only, then refused.
    expect(ec2Mock.commandCalls(CreateFleetCommand).map((c) => c.args[0].input.TargetCapacitySpecification!.TotalTargetCapacity)).toEqual([2]);
    expect(out.warnings).toHaveLength(1);
  });

  it('an unknown outcome on CreateFleet (a 500, a timeout) is never a reason to fall back: no RunInstances, the launch stays counted', async () => {
    for (const err of [Object.assign(ec2Error('InternalError'), { $fault: 'server', $metadata: { httpStatusCode: 500 } }), Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })]) {
      ec2Mock.resetHistory();
      ec2Mock.on(CreateFleetCommand).rejects(err);
      const ledger = memoryIntentStore();
      const out = await ec2Backend({ client, pool: 'trainers', config: config(), ledger }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
      expect(out.error).toMatch(/^CreateFleet outcome unknown/);
      expect(runCalls()).toEqual([]);
      expect(out.warnings ?? []).toEqual([]);
      expect((await ledger.load()).intents).toMatchObject([{ count: 2, instanceIds: null, offer: expect.stringMatching(/^fleet:spot:/) }]);
      expect(Object.keys(out.backoff)).toEqual([]);
    }
  });

  it('OptInRequired (access denied, but not an IAM policy matter) does not fall back: the launch fails as before', async () => {
    ec2Mock.on(CreateFleetCommand).rejects(ec2Error('OptInRequired'));
    const out = await ec2Backend({ client, pool: 'trainers', config: config() }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched).toEqual([]);
    expect(out.error).toMatch(/not subscribed/);
    expect(runCalls()).toEqual([]);
    expect(out.warnings ?? []).toEqual([]);
  });

  it('an outcome-unknown CreateLaunchTemplate (a 500) is not a refusal either: no RunInstances', async () => {
    ec2Mock.on(CreateLaunchTemplateCommand).rejects(Object.assign(ec2Error('InternalError'), { $fault: 'server', $metadata: { httpStatusCode: 500 } }));
    await expect(ec2Backend({ client, pool: 'trainers', config: config() }).launch(2, { now: NOW, maxHosts: 10, backoff: {} })).rejects.toThrow(/CreateLaunchTemplate/);
    expect(runCalls()).toEqual([]);
  });

  it('a dry run with CreateFleet refused: checks RunInstances (DryRun) instead, with the warning', async () => {
    ec2Mock.on(CreateLaunchTemplateCommand).rejects(ec2Error('DryRunOperation'));
    ec2Mock.on(CreateFleetCommand).rejects(unauthorised());
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('DryRunOperation'));
    const out = await ec2Backend({ client, pool: 'trainers', config: config({ launch: undefined, launchTemplate: { name: 'ws', version: '$Default' } }) }).validateLaunch!(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.attempts.some((a) => a.outcome === 'would-launch')).toBe(true);
    expect(runCalls().every((i) => i.DryRun === true)).toBe(true);
    expect(runCalls().length).toBeGreaterThan(0);
    expect(out.warnings![0]).toMatch(/ec2:CreateFleet .*refused/);
  });
});

describe('allocation set explicitly', () => {
  it('"price-capacity-optimized" + CreateFleet refused: an error naming ec2:CreateFleet, no RunInstances, nothing remembered', async () => {
    ec2Mock.on(CreateFleetCommand).rejects(unauthorised());
    const out = await ec2Backend({ client, pool: 'trainers', config: config({ allocation: 'price-capacity-optimized' }) }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched).toEqual([]);
    expect(out.error).toMatch(/CreateFleet/);
    expect(out.error).toMatch(/ec2:CreateFleet/);
    expect(runCalls()).toEqual([]);
    expect(out.warnings ?? []).toEqual([]);
    expect(Object.keys(out.backoff)).toEqual([]);
  });

  it('"lowest-price-order": RunInstances as before, no CreateFleet', async () => {
    ec2Mock.on(CreateFleetCommand).callsFake(fleetAnswer);
    const out = await ec2Backend({ client, pool: 'trainers', config: config({ allocation: 'lowest-price-order' }) }).launch(2, { now: NOW, maxHosts: 10, backoff: {} });
    expect(out.launched).toHaveLength(2);
    expect(ec2Mock.commandCalls(CreateFleetCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(CreateLaunchTemplateCommand)).toHaveLength(0);
  });
});
