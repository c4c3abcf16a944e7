import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { motoServer, sayMotoMissing, startMoto, type Moto } from './moto.js';

if (!motoServer) sayMotoMissing();

describe.skipIf(!motoServer)('the AWS emulator (moto_server)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());

  it('answers the real EC2 client, and reset forgets what it launched', async () => {
    const ec2 = new EC2Client(moto.clientConfig);
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2, InstanceType: 't3.micro' }));
    const count = async () => ((await ec2.send(new DescribeInstancesCommand({}))).Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
    expect(await count()).toBe(2);
    await moto.reset();
    expect(await count()).toBe(0);
  });
});
