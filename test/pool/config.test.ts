import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPoolFile, parsePoolFile, selectPools } from '../../src/pool/config.js';
import { ConfigError } from '../../src/runtime/errors.js';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue';

/** Seed 002's setup: an SQS queue, explicit launch settings, CPU and GPU types, spot. */
const seed002 = {
  name: 'trainers',
  demand: { type: 'sqs', queueUrl: QUEUE },
  backend: {
    type: 'ec2',
    region: 'us-east-1',
    launch: { imageId: 'ami-0123456789abcdef', subnetIds: ['subnet-abcdef123456'], securityGroupIds: ['sg-123456abcdef'], instanceProfile: 'receipt-trainer-instance-profile' },
    instanceTypes: ['g4dn.xlarge', 'p3.2xlarge'],
  },
  policy: { minHosts: 1, maxHosts: 5 },
};

/** Seed 003's setup: a launch template by name, a probe, several jobs per host. */
const seed003 = {
  name: 'workspaces',
  demand: { type: 'sqs', queueUrl: QUEUE, countInFlight: false },
  backend: { type: 'ec2', launchTemplate: { name: 'workspace-host', version: '7' }, market: 'on-demand' },
  policy: { minHosts: 2, maxHosts: 40, jobsPerHost: 8, unhealthyTimeout: '12h', scaleDownDelay: 300 },
  probe: { url: 'http://{privateIp}:8080/status', timeout: '2s' },
};

const parse = (value: unknown) => parsePoolFile(JSON.stringify(value), 'pool.json');

describe('the pool file', () => {
  it('reads both seed setups in one file, with the issue\'s defaults', () => {
    const file = parse({ pools: [seed002, seed003] });
    expect(file.pools.map((p) => p.name)).toEqual(['trainers', 'workspaces']);
    const [a, b] = file.pools;
    expect(a!.policy).toEqual({
      minHosts: 1,
      maxHosts: 5,
      jobsPerHost: 1,
      maxLaunchesPerTick: 10,
      launchTimeoutMs: 600_000,
      unhealthyTimeoutMs: 43_200_000,
      minUptimeMs: 600_000,
      scaleDownDelayMs: 600_000,
    });
    expect(a!.demand).toEqual({ type: 'sqs', queueUrl: QUEUE, countInFlight: true });
    expect(a!.backend).toMatchObject({ market: 'spot', onDemandFallback: true, capacityBackoff: 900_000, tags: {} });
    expect(a!.probe).toBeUndefined();
    expect(b!.policy).toMatchObject({ jobsPerHost: 8, unhealthyTimeoutMs: 43_200_000, scaleDownDelayMs: 300_000 });
    expect(b!.backend).toMatchObject({ type: 'ec2', launchTemplate: { name: 'workspace-host', version: '7' }, instanceTypes: [] });
    expect(b!.probe).toEqual({ url: 'http://{privateIp}:8080/status', timeoutMs: 2_000, maxBytes: 64 * 1024 });
  });

  it('a launch template without a version uses $Default; a probe without a timeout waits 3 s', () => {
    const file = parse({ pools: [{ ...seed003, backend: { type: 'ec2', launchTemplate: { id: 'lt-0abc' } }, probe: { url: 'http://{privateIp}:8080/status' } }] });
    expect(file.pools[0]!.backend).toMatchObject({ launchTemplate: { id: 'lt-0abc', version: '$Default' } });
    expect(file.pools[0]!.probe!.timeoutMs).toBe(3_000);
  });

  it('a probe answer is capped at 64 KiB unless the probe section says maxBytes', () => {
    const capped = parse({ pools: [{ ...seed003, probe: { url: 'http://{privateIp}:8080/status', maxBytes: 4096 } }] });
    expect(capped.pools[0]!.probe).toEqual({ url: 'http://{privateIp}:8080/status', timeoutMs: 3_000, maxBytes: 4096 });
    expect(parse({ pools: [seed003] }).pools[0]!.probe!.maxBytes).toBe(64 * 1024);
  });

  it('accepts an evalai demand: ids, or all current challenges with a flag', () => {
    const file = parse({ pools: [{ ...seed002, demand: { type: 'evalai', challenges: [12, 13] } }] });
    expect(file.pools[0]!.demand).toEqual({ type: 'evalai', challenges: [12, 13] });
    const all = parse({ pools: [{ ...seed002, demand: { type: 'evalai', challenges: 'all', flag: 'isDockerBased' } }] });
    expect(all.pools[0]!.demand).toEqual({ type: 'evalai', challenges: 'all', flag: 'isDockerBased' });
    expect(() => parse({ pools: [{ ...seed002, demand: { type: 'evalai', challenges: [12], flag: 'isDockerBased' } }] })).toThrow(/field pools\[0\]\.demand\.flag: a flag picks among "all" challenges/);
  });

  const broken: Array<[string, unknown, RegExp]> = [
    ['no pools', { pools: [] }, /^pool\.json: field pools: must hold at least one pool$/],
    ['a missing max', { pools: [{ ...seed002, policy: { minHosts: 1 } }] }, /^pool\.json: field pools\[0\]\.policy\.maxHosts: missing$/],
    ['min above max', { pools: [{ ...seed002, policy: { minHosts: 6, maxHosts: 5 } }] }, /field pools\[0\]\.policy\.minHosts: minHosts must not be above maxHosts/],
    ['a negative min', { pools: [{ ...seed002, policy: { minHosts: -1, maxHosts: 5 } }] }, /field pools\[0\]\.policy\.minHosts: must not be negative/],
    ['a bad duration', { pools: [{ ...seed002, policy: { minHosts: 1, maxHosts: 5, launchTimeout: 'ten minutes' } }] }, /field pools\[0\]\.policy\.launchTimeout: "ten minutes" is not a duration/],
    ['a typo in a field', { pools: [{ ...seed002, policy: { minHosts: 1, maxHosts: 5, maxLaunchPerTick: 3 } }] }, /field pools\[0\]\.policy: .*maxLaunchPerTick/],
    ['an unknown demand type', { pools: [{ ...seed002, demand: { type: 'kafka' } }] }, /field pools\[0\]\.demand\.type/],
    ['a queue that is no URL', { pools: [{ ...seed002, demand: { type: 'sqs', queueUrl: 'training-queue' } }] }, /field pools\[0\]\.demand\.queueUrl: must be an http\(s\) SQS queue URL/],
    ['both template and launch', { pools: [{ ...seed002, backend: { ...seed002.backend, launchTemplate: { name: 'x' } } }] }, /field pools\[0\]\.backend: give exactly one of launchTemplate and launch/],
    ['neither template nor launch', { pools: [{ ...seed002, backend: { type: 'ec2', instanceTypes: ['c5.large'] } }] }, /give exactly one of launchTemplate and launch/],
    ['a template with id and name', { pools: [{ ...seed003, backend: { type: 'ec2', launchTemplate: { id: 'lt-1', name: 'x' } } }] }, /field pools\[0\]\.backend\.launchTemplate: give exactly one of id and name/],
    ['explicit launch without types', { pools: [{ ...seed002, backend: { ...seed002.backend, instanceTypes: [] } }] }, /field pools\[0\]\.backend\.instanceTypes: must name at least one instance type/],
    ['a bad market', { pools: [{ ...seed002, backend: { ...seed002.backend, market: 'reserved' } }] }, /field pools\[0\]\.backend\.market/],
    ['a tag in the pool\'s namespace', { pools: [{ ...seed002, backend: { ...seed002.backend, tags: { 'evalai-autoscaler:pool': 'other' } } }] }, /field pools\[0\]\.backend\.tags\.evalai-autoscaler:pool: the evalai-autoscaler: tags are the pool's own/],
    ['a probe URL without a placeholder', { pools: [{ ...seed003, probe: { url: 'http://10.0.0.1:8080/status' } }] }, /field pools\[0\]\.probe\.url: must contain \{privateIp\}/],
    ['a probe cap of 0', { pools: [{ ...seed003, probe: { url: 'http://{privateIp}:8080/status', maxBytes: 0 } }] }, /field pools\[0\]\.probe\.maxBytes: /],
    ['a probe cap above 16 MiB', { pools: [{ ...seed003, probe: { url: 'http://{privateIp}:8080/status', maxBytes: 1e9 } }] }, /field pools\[0\]\.probe\.maxBytes: /],
    ['a pool name with a space', { pools: [{ ...seed002, name: 'my pool' }] }, /field pools\[0\]\.name: must be 1-63 letters/],
    ['the same name twice', { pools: [seed002, { ...seed003, name: 'trainers' }] }, /field pools\[1\]\.name: pool name "trainers" is used twice/],
  ];
  it.each(broken)('%s: a ConfigError naming the field', (_name, value, message) => {
    expect(() => parse(value)).toThrow(ConfigError);
    expect(() => parse(value)).toThrow(message);
  });

  it('invalid JSON names the file', () => {
    expect(() => parsePoolFile('{"pools": [', 'pool.json')).toThrow(/^pool\.json: not valid JSON: /);
  });

  it('a missing file is a ConfigError naming it', () => {
    expect(() => loadPoolFile('/nonexistent/pool.json')).toThrow('/nonexistent/pool.json: cannot read the pool file: no such file');
  });

  it('loads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-config-'));
    const path = join(dir, 'pool.json');
    writeFileSync(path, JSON.stringify({ pools: [seed002] }));
    expect(loadPoolFile(path).pools[0]!.name).toBe('trainers');
  });

  it('--pool picks one pool; an unknown name lists the pools', () => {
    const file = parse({ pools: [seed002, seed003] });
    expect(selectPools(file).map((p) => p.name)).toEqual(['trainers', 'workspaces']);
    expect(selectPools(file, 'workspaces').map((p) => p.name)).toEqual(['workspaces']);
    expect(() => selectPools(file, 'gpu')).toThrow('pool.json: no pool named "gpu" (pools: trainers, workspaces)');
  });
});
