import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoServer, sayMotoMissing, startMoto, type Moto } from '../fakes/moto.js';
import { fixture } from '../pool/interruption-fixtures.js';
import { runBin } from './harness.js';

if (!motoServer) sayMotoMissing();

const POOL = 'trainers';

describe.skipIf(!motoServer)('scale-pool run with backend.interruptionQueue, through the built bin, against the AWS emulator', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.stop());

  it('a spot interruption warning: the host drains and its replacement launches in the same run; the message is deleted; the summary says so', async () => {
    const ec2 = new EC2Client(moto.clientConfig);
    const sqs = new SQSClient({ ...moto.clientConfig, useQueueUrlAsEndpoint: false });
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'trainer', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'c5.large' } }));
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const tags = [{ Key: 'evalai-autoscaler:pool', Value: POOL }, { Key: 'evalai-autoscaler:state', Value: 'ready' }, { Key: 'evalai-autoscaler:state-since', Value: since }];
    const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 'c5.large', MinCount: 3, MaxCount: 3, TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] }));
    const ids = run.Instances!.map((i) => i.InstanceId!);
    const jobs = (await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }))).QueueUrl!;
    const events = (await sqs.send(new CreateQueueCommand({ QueueName: 'trainers-interruptions' }))).QueueUrl!;
    await sqs.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: 'job' })); // n = 1: 1 + 2*sqrt(1) = 3 hosts
    await sqs.send(new SendMessageCommand({ QueueUrl: events, MessageBody: fixture('spot-interruption-warning').replaceAll('i-1234567890abcdef0', ids[1]!) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: events, MessageBody: fixture('rebalance-recommendation').replaceAll('i-1234567890abcdef0', 'i-0f0f0f0f0f0f0f0f0') }));

    const dir = mkdtempSync(join(tmpdir(), 'scale-pool-interruptions-'));
    const config = join(dir, 'pool.json');
    writeFileSync(config, JSON.stringify({ pools: [{ name: POOL, demand: { type: 'sqs', queueUrl: jobs }, backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'trainer' }, instanceTypes: ['c5.large'], market: 'on-demand', interruptionQueue: events }, policy: { minHosts: 1, maxHosts: 5 } }] }));
    const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: moto.endpoint, AWS_EC2_METADATA_DISABLED: 'true', EVALAI_AUTOSCALER_STATE_DIR: dir };

    const r = await runBin('scale-pool', ['run', '--config', config], env, 60_000);
    expect(r.stdout).toMatch(new RegExp(`${ids[1]} ready -> draining \\[done\\]: spot interruption warning for ${ids[1]} at 2026-11-29T12:03:00Z`));
    expect(r.stdout).toContain('interruption queue trainers-interruptions: 2 received: 1 handled, 1 for other instances; 2 deleted');
    expect(r.code).toBe(0);
    const listed = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:evalai-autoscaler:pool', Values: [POOL] }] }));
    const states = Object.fromEntries((listed.Reservations ?? []).flatMap((x) => x.Instances ?? []).map((i) => [i.InstanceId!, i.Tags?.find((t) => t.Key === 'evalai-autoscaler:state')?.Value]));
    expect(states[ids[1]!]).toBe('draining');
    expect(Object.values(states).filter((s) => s === 'launching')).toHaveLength(1);
    const depth = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: events, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
    expect([depth.ApproximateNumberOfMessages, depth.ApproximateNumberOfMessagesNotVisible]).toEqual(['0', '0']);
    expect(r.logs.find((l) => l.queue === 'queue trainers-interruptions')).toMatchObject({ received: 2, deleted: 2, foreign: 1 });
  }, 120_000);
});
