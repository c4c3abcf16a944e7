import { describe, expect, it } from 'vitest';
import { parsePoolFile, selectPools } from '../../src/pool/config.js';
import { ConfigError } from '../../src/runtime/errors.js';

const CPU_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/train-cpu';
const GPU_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/train-gpu';

/** Seed 002 with --cpu-instances and --gpu-instances: one pool, two shapes, a queue each. */
const shaped = {
  name: 'trainers',
  backend: {
    type: 'ec2',
    region: 'us-east-1',
    launch: { imageId: 'ami-0123456789abcdef', subnetIds: ['subnet-abcdef123456'], securityGroupIds: ['sg-123456abcdef'] },
  },
  policy: { minHosts: 0, maxHosts: 12, scaleDownDelay: '5m' },
  shapes: {
    cpu: { demand: { type: 'sqs', queueUrl: CPU_QUEUE }, instanceTypes: ['c5.large', 'c5.xlarge'], policy: { minHosts: 1, maxHosts: 10, jobsPerHost: 2 } },
    gpu: { demand: { type: 'sqs', queueUrl: GPU_QUEUE }, instanceTypes: ['g4dn.xlarge', 'p3.2xlarge'], imageId: 'ami-0gpu', policy: { maxHosts: 2 } },
  },
};

const parse = (value: unknown) => parsePoolFile(JSON.stringify(value), 'pool.json');

describe('a pool split by shape', () => {
  it('becomes one pool per shape, named pool.shape, with its own queue, instance types, caps and the pool\'s other settings', () => {
    const file = parse({ pools: [shaped] });
    expect(file.pools.map((p) => p.name)).toEqual(['trainers.cpu', 'trainers.gpu']);
    const [cpu, gpu] = file.pools;
    expect(cpu!.shape).toEqual({ pool: 'trainers', name: 'cpu' });
    expect(cpu!.demand).toEqual({ type: 'sqs', queueUrl: CPU_QUEUE, countInFlight: true });
    expect(gpu!.demand).toEqual({ type: 'sqs', queueUrl: GPU_QUEUE, countInFlight: true });
    expect(cpu!.backend).toMatchObject({ type: 'ec2', instanceTypes: ['c5.large', 'c5.xlarge'], launch: { imageId: 'ami-0123456789abcdef' } });
    // The GPU shape's own image (drivers); everything else of the launch is the pool's.
    expect(gpu!.backend).toMatchObject({ type: 'ec2', instanceTypes: ['g4dn.xlarge', 'p3.2xlarge'], launch: { imageId: 'ami-0gpu', subnetIds: ['subnet-abcdef123456'] } });
    expect(cpu!.policy).toMatchObject({ minHosts: 1, maxHosts: 10, jobsPerHost: 2, maxLiveHosts: 15, scaleDownDelayMs: 300_000 });
    // A shape's minHosts is 0 unless it says otherwise: an idle GPU host is never kept by the pool's minimum.
    expect(gpu!.policy).toMatchObject({ minHosts: 0, maxHosts: 2, jobsPerHost: 1, maxLiveHosts: 3, scaleDownDelayMs: 300_000 });
  });

  it('a launch template pool: a shape may name its own template', () => {
    const file = parse({
      pools: [{ ...shaped, backend: { type: 'ec2', launchTemplate: { name: 'trainer' } }, shapes: { ...shaped.shapes, gpu: { ...shaped.shapes.gpu, imageId: undefined, launchTemplate: { name: 'trainer-gpu', version: '3' } } } }],
    });
    expect(file.pools[0]!.backend).toMatchObject({ launchTemplate: { name: 'trainer', version: '$Default' }, instanceTypes: ['c5.large', 'c5.xlarge'] });
    expect(file.pools[1]!.backend).toMatchObject({ launchTemplate: { name: 'trainer-gpu', version: '3' }, instanceTypes: ['g4dn.xlarge', 'p3.2xlarge'] });
  });

  it('--pool trainers picks every shape of the pool; --pool trainers.gpu one shape', () => {
    const file = parse({ pools: [shaped] });
    expect(selectPools(file, 'trainers').map((p) => p.name)).toEqual(['trainers.cpu', 'trainers.gpu']);
    expect(selectPools(file, 'trainers.gpu').map((p) => p.name)).toEqual(['trainers.gpu']);
    expect(() => selectPools(file, 'trainers.tpu')).toThrow(/no pool named "trainers.tpu" \(pools: trainers.cpu, trainers.gpu\)/);
  });

  const broken: Array<[string, unknown, RegExp]> = [
    ['shapes and a demand', { pools: [{ ...shaped, demand: { type: 'sqs', queueUrl: CPU_QUEUE } }] }, /field pools\[0\]\.demand: a pool with shapes reads its demand per shape \(shapes\.<name>\.demand\)/],
    ['neither shapes nor a demand', { pools: [{ ...shaped, shapes: undefined }] }, /field pools\[0\]\.demand: missing/],
    ['a shape without instance types', { pools: [{ ...shaped, shapes: { ...shaped.shapes, gpu: { ...shaped.shapes.gpu, instanceTypes: [] } } }] }, /field pools\[0\]\.shapes\.gpu\.instanceTypes: must name at least one instance type/],
    ['a shape without maxHosts', { pools: [{ ...shaped, shapes: { ...shaped.shapes, gpu: { ...shaped.shapes.gpu, policy: {} } } }] }, /field pools\[0\]\.shapes\.gpu\.policy\.maxHosts: missing/],
    ['instance types for the whole pool', { pools: [{ ...shaped, backend: { ...shaped.backend, instanceTypes: ['c5.large'] } }] }, /field pools\[0\]\.backend\.instanceTypes: a pool with shapes names its instance types per shape/],
    ['shapes above the pool\'s max', { pools: [{ ...shaped, policy: { minHosts: 0, maxHosts: 11 } }] }, /field pools\[0\]\.policy\.maxHosts: the shapes' maxHosts add up to 12 \(cpu 10, gpu 2\), above the pool's 11/],
    ['a pool minimum with shapes', { pools: [{ ...shaped, policy: { minHosts: 1, maxHosts: 12 } }] }, /field pools\[0\]\.policy\.minHosts: with shapes, give minHosts per shape/],
    ['a shape min above its max', { pools: [{ ...shaped, shapes: { ...shaped.shapes, gpu: { ...shaped.shapes.gpu, policy: { minHosts: 3, maxHosts: 2 } } } }] }, /field pools\[0\]\.shapes\.gpu\.policy\.minHosts: minHosts must not be above maxHosts/],
    ['a bad shape name', { pools: [{ ...shaped, shapes: { 'g pu': shaped.shapes.gpu } }] }, /field pools\[0\]\.shapes/],
    ['an image for a template pool', { pools: [{ ...shaped, backend: { type: 'ec2', launchTemplate: { name: 'trainer' } } }] }, /field pools\[0\]\.shapes\.gpu\.imageId: only with backend\.launch/],
    ['a slurm pool with shapes', { pools: [{ ...shaped, backend: { type: 'slurm', headAddress: 'h:6379', wallTime: '60', workerTypes: [{ name: 'w', cpus: 1 }] } }] }, /field pools\[0\]\.shapes: shapes are for an ec2 backend/],
    ['a shape named like another pool', { pools: [shaped, { ...shaped, shapes: undefined, name: 'trainers.gpu', demand: { type: 'sqs', queueUrl: GPU_QUEUE }, backend: { ...shaped.backend, instanceTypes: ['g4dn.xlarge'] } }] }, /pool name "trainers.gpu" is used twice/],
  ];
  it.each(broken)('%s: a ConfigError naming the field', (_name, value, message) => {
    expect(() => parse(value)).toThrow(ConfigError);
    expect(() => parse(value)).toThrow(message);
  });
});
