import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoServer, sayMotoMissing, startMoto, type Moto } from '../fakes/moto.js';
import { runFlow, sweep, uniquePoolName } from './real-aws-flow.js';

/**
 * The real-AWS test's flow (real-aws-flow.ts) against the AWS emulator, so the flow itself, the
 * launch, the wait for running, the tool's own drain and terminate and the sweep, is exercised on
 * every run of the suite, not only where real AWS is reachable.
 */
if (!motoServer) sayMotoMissing();

let moto: Moto;
const binEnv = (m: Moto): Record<string, string> => ({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: m.endpoint, AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' });
const quiet = (): void => undefined;

describe.skipIf(!motoServer)('the real-AWS flow against moto', () => {
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('launches one instance through the bin, sees it running, terminates it through the tool; the sweep finds nothing left', async () => {
    const pool = uniquePoolName();
    const { instanceId } = await runFlow({ pool, region: 'us-east-1', clientConfig: moto.clientConfig, binEnv: binEnv(moto), instanceType: 't3.micro', waitMs: 60_000, pollMs: 200, log: quiet });
    expect(instanceId).toMatch(/^i-[0-9a-f]+$/);
    expect(await sweep({ pool, clientConfig: moto.clientConfig, log: quiet })).toEqual([]);
  }, 180_000);

  it('a flow that fails once its instance runs: the sweep terminates what still carries the pool tag, and deletes the queue', async () => {
    const pool = uniquePoolName();
    let launched = '';
    const failing = runFlow({
      pool,
      region: 'us-east-1',
      clientConfig: moto.clientConfig,
      binEnv: binEnv(moto),
      instanceType: 't3.micro',
      waitMs: 60_000,
      pollMs: 200,
      log: quiet,
      afterRunning: (id) => {
        launched = id;
        return Promise.reject(new Error('the test stops here'));
      },
    });
    await expect(failing).rejects.toThrow('the test stops here');
    const ec2 = new EC2Client(moto.clientConfig);
    const state = async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [launched] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
    expect(await state()).toBe('running');
    expect(await sweep({ pool, clientConfig: moto.clientConfig, log: quiet })).toEqual([launched]);
    expect(['shutting-down', 'terminated']).toContain(await state());
    expect(await sweep({ pool, clientConfig: moto.clientConfig, log: quiet })).toEqual([]);
    const sqs = new SQSClient(moto.clientConfig);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `evalai-autoscaler-${pool}` }))).QueueUrls ?? []).toEqual([]);
    ec2.destroy();
    sqs.destroy();
  }, 180_000);
});
