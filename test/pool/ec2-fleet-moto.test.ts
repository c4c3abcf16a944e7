import { DescribeImagesCommand, DescribeInstancesCommand, DescribeLaunchTemplatesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { guardMutations, MutationLedger } from '../../src/aws/mutation-guard.js';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { Ec2BackendConfig } from '../../src/pool/config.js';
import { memoryIntentStore } from '../../src/pool/launch-ledger.js';
import { motoServer, sayMotoMissing, startMoto, type Moto } from '../fakes/moto.js';

/**
 * `allocation: "price-capacity-optimized"` against the AWS emulator (moto 5), through the real
 * EC2Client: the pool's launch template is created from its raw launch fields, one CreateFleet
 * instant launches over types x the default VPC's subnets, the instances carry the pool's tags and
 * are listed as the pool's hosts, and a second backend of the pool finds the template there.
 */
if (!motoServer) sayMotoMissing();

describe.skipIf(!motoServer)('launch through CreateFleet on the emulator', () => {
  let moto: Moto;
  let client: EC2Client;
  beforeAll(async () => {
    moto = await startMoto();
    client = new EC2Client(moto.clientConfig);
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });
  beforeEach(() => moto.reset(), 60_000);

  async function poolConfig(): Promise<{ config: Ec2BackendConfig; zoneOf: Map<string, string> }> {
    const subnets = (await client.send(new DescribeSubnetsCommand({}))).Subnets!.filter((s) => s.AvailabilityZone === 'us-east-1a' || s.AvailabilityZone === 'us-east-1b');
    const image = (await client.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
    return {
      zoneOf: new Map(subnets.map((s) => [s.SubnetId!, s.AvailabilityZone!])),
      config: {
        type: 'ec2',
        allocation: 'price-capacity-optimized',
        launch: { imageId: image, subnetIds: subnets.map((s) => s.SubnetId!), securityGroupIds: [], userData: '#!/bin/sh\necho worker\n' },
        instanceTypes: ['c5.large', 'm5.large'],
        market: 'spot',
        onDemandFallback: true,
        capacityBackoff: 15 * 60_000,
        tags: { team: 'ml' },
      },
    };
  }

  it('launches N spot instances in one CreateFleet, tagged as the pool\'s, in the pool\'s subnets; list() shows them; the template is made once', async () => {
    const { config, zoneOf } = await poolConfig();
    const mutations = new MutationLedger(() => undefined);
    guardMutations(client, mutations);
    const now = Date.now();
    const out = await ec2Backend({ client, pool: 'trainers', config, ledger: memoryIntentStore(), schedulerId: 's1' }).launch(3, { now, maxHosts: 5, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.launched).toHaveLength(3);
    expect(mutations.sent.map((c) => c.action)).toEqual(['CreateLaunchTemplate', 'CreateFleet']);
    expect([...mutations.sent[1]!.ids].sort()).toEqual(out.launched.map((h) => h.id).sort());

    const listed = (await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:evalai-autoscaler:pool', Values: ['trainers'] }] }))).Reservations!.flatMap((r) => r.Instances!);
    expect(listed.map((i) => i.InstanceId).sort()).toEqual(out.launched.map((h) => h.id).sort());
    for (const i of listed) {
      const tags = Object.fromEntries(i.Tags!.map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({ 'evalai-autoscaler:pool': 'trainers', 'evalai-autoscaler:state': 'launching', 'evalai-autoscaler:scheduler': 's1', team: 'ml', Name: 'evalai-autoscaler trainers' });
      expect(i.InstanceLifecycle).toBe('spot');
      expect(['c5.large', 'm5.large']).toContain(i.InstanceType);
      expect(zoneOf.has(i.SubnetId!)).toBe(true);
    }
    const templates = (await client.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates!.map((t) => t.LaunchTemplateName);
    expect(templates).toEqual([expect.stringMatching(/^evalai-autoscaler-trainers-[0-9a-f]{16}$/)]);

    const { hosts } = await ec2Backend({ client, pool: 'trainers', config, schedulerId: 's1' }).list();
    expect(hosts.map((h) => [h.state, h.lifecycle])).toEqual(Array.from({ length: 3 }, () => ['launching', 'spot']));

    // Another process of the same pool (a cron tick): the template is there already; the cap holds with the 3 listed.
    const again = await ec2Backend({ client, pool: 'trainers', config, schedulerId: 's1' }).launch(4, { now: now + 1000, maxHosts: 5, backoff: {} });
    expect(again.error).toBeUndefined();
    expect(again.allowed).toBe(2);
    expect(again.launched).toHaveLength(2);
    expect((await client.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates).toHaveLength(1);
  }, 60_000);

  it('a dry run (validateLaunch) creates nothing: no template, no instance', async () => {
    const { config } = await poolConfig();
    const out = await ec2Backend({ client, pool: 'trainers', config }).validateLaunch!(2, { now: Date.now(), maxHosts: 5, backoff: {} });
    expect(out.error).toBeUndefined();
    expect(out.attempts.map((a) => a.outcome)).toEqual(['would-launch']);
    expect((await client.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates ?? []).toEqual([]);
    expect((await client.send(new DescribeInstancesCommand({}))).Reservations ?? []).toEqual([]);
  }, 60_000);
});
