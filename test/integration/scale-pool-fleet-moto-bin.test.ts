import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImagesCommand, DescribeInstancesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoServer, sayMotoMissing, startMoto, type Moto } from '../fakes/moto.js';
import { runBin } from './harness.js';

/**
 * The built `scale-pool` bin with `backend.allocation` unset (the default, price-capacity-optimized)
 * against the AWS emulator (moto 5): a run sized from an SQS queue launches through one CreateFleet
 * over types x subnets, and `status` then lists the hosts. Run `npx tsc -p tsconfig.build.json` first.
 */
if (!motoServer) sayMotoMissing();

describe.skipIf(!motoServer)('scale-pool run through CreateFleet, built bin, emulator', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  it('by default, launches what the queue needs, up to maxHosts, through CreateFleet (sent list), tagged for the pool; status shows them', async () => {
    const ec2 = new EC2Client(moto.clientConfig);
    const sqs = new SQSClient(moto.clientConfig);
    try {
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'training-queue' }))).QueueUrl!;
      for (let k = 0; k < 3; k += 1) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `job ${k}` }));
      const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets!.slice(0, 2).map((s) => s.SubnetId!);
      const imageId = (await ec2.send(new DescribeImagesCommand({}))).Images![0]!.ImageId!;
      const dir = mkdtempSync(join(tmpdir(), 'fleet-bin-'));
      const config = join(dir, 'pool.json');
      writeFileSync(
        config,
        JSON.stringify({
          pools: [
            {
              name: 'trainers',
              demand: { type: 'sqs', queueUrl },
              backend: { type: 'ec2', region: 'us-east-1', launch: { imageId, subnetIds: subnets }, instanceTypes: ['c5.large', 'm5.large'] },
              policy: { minHosts: 0, maxHosts: 4 },
            },
          ],
        }),
      );
      const env = { AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', EVALAI_AUTOSCALER_STATE_DIR: join(dir, 'state') };
      const r = await runBin('scale-pool', ['run', '--config', config, '--json'], env, 60_000);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { sent: Array<{ action: string; ids: string[] }>; pools: Array<{ launches: { launched: string[] } }> };
      // n = 3 queued: 3 + 2√3 -> 7 hosts, capped at maxHosts 4.
      expect(report.pools[0]!.launches.launched).toHaveLength(4);
      expect(report.sent.map((c) => c.action)).toEqual(['CreateLaunchTemplate', 'CreateFleet']);
      expect([...report.sent[1]!.ids].sort()).toEqual([...report.pools[0]!.launches.launched].sort());
      const instances = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:evalai-autoscaler:pool', Values: ['trainers'] }] }))).Reservations!.flatMap((x) => x.Instances!);
      expect(instances.map((i) => i.InstanceId).sort()).toEqual([...report.pools[0]!.launches.launched].sort());
      expect(instances.every((i) => i.InstanceLifecycle === 'spot' && subnets.includes(i.SubnetId!))).toBe(true);

      const s = await runBin('scale-pool', ['status', '--config', config], env, 60_000);
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout.match(/^ {2}i-\S+\s+launching\s+(pending|running)\s+(c5|m5)\.large\s+spot\s/gm)).toHaveLength(4);
    } finally {
      ec2.destroy();
      sqs.destroy();
    }
  }, 120_000);
});
