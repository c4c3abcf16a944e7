import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { motoServer, sayMotoMissing, startMoto, type Moto } from '../fakes/moto.js';
import { runBin } from './harness.js';

if (!motoServer) sayMotoMissing();

/**
 * Seed 002 end to end against the AWS emulator: launch settings and queues from its Pulumi stack
 * (a fake `pulumi` on PATH), CPU jobs on CPU instance types and GPU jobs on GPU ones, each shape a
 * pool of its own.
 */
describe.skipIf(!motoServer)('scale-pool: a pool split by shape, its settings from a Pulumi stack (the AWS emulator)', () => {
  let moto: Moto;
  let ec2: EC2Client;
  let sqs: SQSClient;
  const dir = mkdtempSync(join(tmpdir(), 'scale-pool-shapes-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'scale-pool-shapes-state-'));
  let env: Record<string, string>;
  let cpuQueue: string;
  let gpuQueue: string;

  beforeAll(async () => {
    moto = await startMoto();
    ec2 = new EC2Client(moto.clientConfig);
    sqs = new SQSClient(moto.clientConfig);
    cpuQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'train-cpu' }))).QueueUrl!;
    gpuQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'train-gpu' }))).QueueUrl!;
    const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets![0]!.SubnetId!;
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups![0]!.GroupId!;
    const outputs = { ami_id: 'ami-12c6146b', subnet_id: subnet, security_group_id: sg, cpu_queue_url: cpuQueue, gpu_queue_url: gpuQueue, db_password: '[secret]' };
    writeFileSync(join(dir, 'pulumi'), `#!/bin/sh\n[ "$*" = "stack output --json --non-interactive --stack dev" ] || { echo "unexpected: $*" >&2; exit 9; }\ncat <<'EOF'\n${JSON.stringify(outputs, null, 2)}\nEOF\n`);
    chmodSync(join(dir, 'pulumi'), 0o755);
    env = {
      PATH: `${dir}:${process.env.PATH}`,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      EVALAI_AUTOSCALER_STATE_DIR: stateDir,
    };
  }, 60_000);
  afterAll(async () => moto?.stop());

  const poolFile = join(dir, 'pools.json');
  writeFileSync(
    poolFile,
    JSON.stringify({
      pools: [
        {
          name: 'trainers',
          fromPulumi: {
            stack: 'dev',
            outputs: {
              'backend.launch.imageId': 'ami_id',
              'backend.launch.subnetIds': 'subnet_id',
              'backend.launch.securityGroupIds': 'security_group_id',
              'shapes.cpu.demand.queueUrl': 'cpu_queue_url',
              'shapes.gpu.demand.queueUrl': 'gpu_queue_url',
            },
          },
          backend: { type: 'ec2', region: 'us-east-1', market: 'on-demand' },
          policy: { minHosts: 0, maxHosts: 6, headroom: 'none' },
          shapes: {
            cpu: { demand: { type: 'sqs' }, instanceTypes: ['c5.large', 'c5.xlarge'], policy: { maxHosts: 4 } },
            gpu: { demand: { type: 'sqs' }, instanceTypes: ['g4dn.xlarge', 'p3.2xlarge'], policy: { maxHosts: 2 } },
          },
        },
      ],
    }),
  );

  /** Every live instance the emulator holds: its type and pool tag. */
  async function instances(): Promise<Array<{ type: string; pool: string }>> {
    const out = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
    return (out.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .map((i) => ({ type: i.InstanceType!, pool: i.Tags?.find((t) => t.Key === 'evalai-autoscaler:pool')?.Value ?? '-' }))
      .sort((a, b) => a.pool.localeCompare(b.pool) || a.type.localeCompare(b.type));
  }
  const send = async (queue: string, n: number) => {
    for (let i = 0; i < n; i += 1) await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: `job ${i}` }));
  };

  it('a CPU backlog launches CPU instance types only; a GPU backlog then launches GPU ones; status and the metrics show each shape and the stack\'s values', async () => {
    // Two jobs a shape; the default allocation (one CreateFleet over the shape's types) picks among them.
    await send(cpuQueue, 2);
    const first = await runBin('scale-pool', ['run', '--config', poolFile, '--json'], env);
    expect(first.stderr).not.toContain('"level":50');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout) as { pools: Array<{ pool: string; desiredHosts: number; launches: { launched: unknown[] } }> };
    expect(report.pools.map((p) => [p.pool, p.desiredHosts, p.launches.launched.length])).toEqual([
      ['trainers.cpu', 2, 2],
      ['trainers.gpu', 0, 0],
    ]);
    // No GPU host for CPU work.
    const CPU = ['c5.large', 'c5.xlarge'];
    const GPU = ['g4dn.xlarge', 'p3.2xlarge'];
    const afterCpu = await instances();
    expect(afterCpu.map((i) => i.pool)).toEqual(['trainers.cpu', 'trainers.cpu']);
    expect(afterCpu.every((i) => CPU.includes(i.type))).toBe(true);

    await send(gpuQueue, 2);
    const metrics = join(dir, 'metrics.prom');
    const second = await runBin('scale-pool', ['run', '--config', poolFile, '--metrics-file', metrics], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('pool trainers.gpu: demand 2 (sqs train-gpu: 2 queued, 0 in flight)');
    const all = await instances();
    expect(all.filter((i) => i.pool === 'trainers.cpu')).toEqual(afterCpu);
    const gpu = all.filter((i) => i.pool === 'trainers.gpu');
    expect(gpu).toHaveLength(2);
    expect(gpu.every((i) => GPU.includes(i.type))).toBe(true);
    expect(all).toHaveLength(4);
    const prom = readFileSync(metrics, 'utf8');
    expect(prom).toMatch(/pool_desired_hosts\{[^}]*pool="trainers\.cpu"[^}]*\} 2/);
    expect(prom).toMatch(/pool_desired_hosts\{[^}]*pool="trainers\.gpu"[^}]*\} 2/);

    const status = await runBin('scale-pool', ['status', '--config', poolFile, '--pool', 'trainers'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('pool trainers.gpu: demand 2');
    expect(status.stdout).toContain('  shape gpu of pool trainers: launches g4dn.xlarge, p3.2xlarge\n');
    expect(status.stdout).toContain('  from pulumi stack dev: backend.launch.imageId = ami-12c6146b (output ami_id);');
    expect(status.stdout).toContain(`shapes.gpu.demand.queueUrl = ${gpuQueue} (output gpu_queue_url)`);
    const json = JSON.parse((await runBin('scale-pool', ['status', '--config', poolFile, '--pool', 'trainers.gpu', '--json'], env)).stdout) as { pools: Array<Record<string, unknown>> };
    expect(json.pools).toHaveLength(1);
    expect(json.pools[0]).toMatchObject({ pool: 'trainers.gpu', shape: { pool: 'trainers', name: 'gpu', instanceTypes: ['g4dn.xlarge', 'p3.2xlarge'] }, desiredHosts: 2, fromPulumi: { stack: 'dev' } });
    expect(status.stdout + status.stderr).not.toContain('[secret]');
  }, 120_000);

  it('hosts of the pool from before it was split by shape: no shape counts, drains or terminates them, and run and status name them', async () => {
    // Launched by the unshaped pool `trainers`: tagged with its name, no shape in it.
    const old = await ec2.send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, InstanceType: 'g4dn.xlarge', TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'evalai-autoscaler:pool', Value: 'trainers' }, { Key: 'evalai-autoscaler:state', Value: 'ready' }] }] }),
    );
    const id = old.Instances![0]!.InstanceId!;
    const r = await runBin('scale-pool', ['run', '--config', poolFile, '--json'], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { warnings?: string[]; sent: Array<{ action: string; ids: string[] }> };
    expect(report.warnings).toEqual([
      `pool trainers is split by shape, but 1 host still carries its unshaped tag (evalai-autoscaler:pool=trainers): ${id}: no shape counts, drains or terminates it; see "Splitting an existing pool by shape" in docs/scale-pool.md`,
    ]);
    expect(report.sent.flatMap((c) => c.ids)).not.toContain(id);
    expect((await instances()).filter((i) => i.pool === 'trainers')).toHaveLength(1);
    const status = await runBin('scale-pool', ['status', '--config', poolFile], env);
    expect(status.stdout).toContain(`warning: pool trainers is split by shape, but 1 host still carries its unshaped tag (evalai-autoscaler:pool=trainers): ${id}`);
  }, 60_000);

  it('a pulumi that is not on PATH: exit 2, one line naming the field and the stack, nothing launched', async () => {
    const before = (await instances()).length;
    const r = await runBin('scale-pool', ['run', '--config', poolFile], { ...env, PATH: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scale-pool: configuration error: \S*pools\.json: field pools\[0\]\.fromPulumi: `pulumi stack output` of stack "dev" failed: pulumi: cannot run: not found on PATH=\/nonexistent \(install the Pulumi CLI, or set fromPulumi\.command\)\n$/);
    expect((await instances()).length).toBe(before);
  }, 60_000);
});
