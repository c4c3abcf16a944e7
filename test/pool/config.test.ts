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
      // The default live cap: maxHosts + ceil(maxHosts / 2).
      maxLiveHosts: 8,
    });
    expect(a!.demand).toEqual({ type: 'sqs', queueUrl: QUEUE, countInFlight: true });
    expect(a!.backend).toMatchObject({ market: 'spot', onDemandFallback: true, capacityBackoff: 900_000, tags: {} });
    expect(a!.probe).toBeUndefined();
    expect(b!.policy).toMatchObject({ jobsPerHost: 8, unhealthyTimeoutMs: 43_200_000, scaleDownDelayMs: 300_000 });
    expect(b!.backend).toMatchObject({ type: 'ec2', launchTemplate: { name: 'workspace-host', version: '7' }, instanceTypes: [] });
    expect(b!.probe).toEqual({ url: 'http://{privateIp}:8080/status', timeoutMs: 2_000, maxBytes: 64 * 1024, concurrency: 128 });
  });

  it('a launch template without a version uses $Default; a probe without a timeout waits 3 s', () => {
    const file = parse({ pools: [{ ...seed003, backend: { type: 'ec2', launchTemplate: { id: 'lt-0abc' } }, probe: { url: 'http://{privateIp}:8080/status' } }] });
    expect(file.pools[0]!.backend).toMatchObject({ launchTemplate: { id: 'lt-0abc', version: '$Default' } });
    expect(file.pools[0]!.probe!.timeoutMs).toBe(3_000);
  });

  it('backend.allocation: price-capacity-optimized or lowest-price-order; absent means lowest-price-order (files without it launch as before); anything else is refused naming the field', () => {
    expect(parse({ pools: [seed002] }).pools[0]!.backend).not.toHaveProperty('allocation');
    expect(parse({ pools: [{ ...seed002, backend: { ...seed002.backend, allocation: 'price-capacity-optimized' } }] }).pools[0]!.backend).toMatchObject({ allocation: 'price-capacity-optimized' });
    expect(() => parse({ pools: [{ ...seed002, backend: { ...seed002.backend, allocation: 'capacity-optimized' } }] })).toThrow(/pools\[0\]\.backend\.allocation/);
  });

  it('a probe answer is capped at 64 KiB unless the probe section says maxBytes', () => {
    const capped = parse({ pools: [{ ...seed003, probe: { url: 'http://{privateIp}:8080/status', maxBytes: 4096 } }] });
    expect(capped.pools[0]!.probe).toEqual({ url: 'http://{privateIp}:8080/status', timeoutMs: 3_000, maxBytes: 4096, concurrency: 128 });
    expect(parse({ pools: [seed003] }).pools[0]!.probe!.maxBytes).toBe(64 * 1024);
  });

  it('probes run 128 at a time unless the probe section says concurrency (1 to 1024)', () => {
    const probe = (more: Record<string, unknown>) => parse({ pools: [{ ...seed003, probe: { url: 'http://{privateIp}:8080/status', ...more } }] }).pools[0]!.probe!;
    expect(probe({}).concurrency).toBe(128);
    expect(probe({ concurrency: 16 }).concurrency).toBe(16);
    expect(() => probe({ concurrency: 0 })).toThrow(/field pools\[0\]\.probe\.concurrency: must be at least 1/);
    expect(() => probe({ concurrency: 5000 })).toThrow(/field pools\[0\]\.probe\.concurrency: must be at most 1024/);
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

  it('maxLiveHosts: explicit, default maxHosts + ceil(maxHosts / 2), and never below maxHosts', () => {
    expect(parse({ pools: [{ ...seed002, policy: { minHosts: 0, maxHosts: 1 } }] }).pools[0]!.policy.maxLiveHosts).toBe(2);
    expect(parse({ pools: [{ ...seed002, policy: { minHosts: 0, maxHosts: 4, maxLiveHosts: 4 } }] }).pools[0]!.policy.maxLiveHosts).toBe(4);
    expect(() => parse({ pools: [{ ...seed002, policy: { minHosts: 0, maxHosts: 4, maxLiveHosts: 3 } }] })).toThrow(
      /^pool\.json: field pools\[0\]\.policy\.maxLiveHosts: maxLiveHosts must not be below maxHosts/,
    );
  });

  it('backend.interruptionQueue: an http(s) SQS queue URL, optional', () => {
    const events = 'https://sqs.us-east-1.amazonaws.com/123456789012/pool-interruptions';
    expect(parse({ pools: [{ ...seed002, backend: { ...seed002.backend, interruptionQueue: events } }] }).pools[0]!.backend).toMatchObject({ interruptionQueue: events });
    expect(parse({ pools: [seed002] }).pools[0]!.backend).not.toHaveProperty('interruptionQueue');
    expect(() => parse({ pools: [{ ...seed002, backend: { ...seed002.backend, interruptionQueue: 'pool-interruptions' } }] })).toThrow(/field pools\[0\]\.backend\.interruptionQueue: must be an http\(s\) SQS queue URL/);
  });

  it('backend.coordination: an S3 bucket, key and region optional; anything else refused', () => {
    const pool = parse({ pools: [{ ...seed002, backend: { ...seed002.backend, coordination: { type: 's3', bucket: 'ops-state' } } }] }).pools[0]!;
    expect(pool.backend).toMatchObject({ coordination: { type: 's3', bucket: 'ops-state' } });
    expect(() => parse({ pools: [{ ...seed002, backend: { ...seed002.backend, coordination: { type: 'dynamodb', table: 't' } } }] })).toThrow(/field pools\[0\]\.backend\.coordination/);
    expect(() => parse({ pools: [{ ...seed002, backend: { ...seed002.backend, coordination: { type: 's3', bucket: '' } } }] })).toThrow(/field pools\[0\]\.backend\.coordination\.bucket: must not be empty/);
  });

  it('two errors: both are named, on one line, instead of one and "(and 1 more)"', () => {
    const value = { pools: [{ ...seed002, name: 'my pool', policy: { minHosts: 1 } }] };
    expect(() => parse(value)).toThrow(/^pool\.json: field pools\[0\]\.name: must be 1-63 letters[^;]*; field pools\[0\]\.policy\.maxHosts: missing$/);
  });

  it('many errors: the first 10 are named, the rest counted', () => {
    const value = { pools: Array.from({ length: 12 }, (_, i) => ({ ...seed002, name: `p${i}`, policy: { minHosts: 1 } })) };
    let message = '';
    try {
      parse(value);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.match(/policy\.maxHosts: missing/g)).toHaveLength(10);
    expect(message).toMatch(/field pools\[9\]\.policy\.maxHosts: missing \(and 2 more\)$/);
    expect(message).not.toContain('\n');
  });
});

/** Issue 17 item 10: EC2's documented limits and the durations, checked when the file is read (before any lock). */
describe('the pool file against EC2\'s documented limits', () => {
  const withTags = (tags: Record<string, string>) => ({ pools: [{ ...seed002, backend: { ...seed002.backend, tags } }] });
  const manyTags = (n: number, more: Record<string, string> = {}) => withTags({ ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`team-${i}`, 'x'])), ...more });
  const withLaunch = (launch: Record<string, unknown>) => ({ pools: [{ ...seed002, backend: { ...seed002.backend, launch: { ...seed002.backend.launch, ...launch } } }] });
  const withPolicy = (policy: Record<string, unknown>) => ({ pools: [{ ...seed003, policy: { minHosts: 1, maxHosts: 5, ...policy } }] });
  const ray = { type: 'ray', dashboard: 'http://10.0.0.1:8265' };
  const slurm = { type: 'slurm', headAddress: '10.0.0.1:6379', wallTime: '1-00:00:00', workerTypes: [{ name: 'cpu', cpus: 4 }] };

  const refused: Array<[string, unknown, RegExp]> = [
    ['60 tags', manyTags(60), /^pool\.json: field pools\[0\]\.backend\.tags: 60 tags here \+ 6 of the tool's own \(Name, evalai-autoscaler:pool, evalai-autoscaler:state, evalai-autoscaler:state-since, evalai-autoscaler:scheduler, and 1 reserved for its future tags\) = 66, above EC2's limit of 50 tags per instance: at most 44 here$/],
    ['45 tags besides Name (the tool adds Name)', manyTags(45), /field pools\[0\]\.backend\.tags: 45 tags here \+ 6 of the tool's own \(Name, .*\) = 51, above EC2's limit of 50 tags per instance: at most 44 here/],
    ['an aws: key', withTags({ 'aws:cloudformation:stack-name': 'x' }), /field pools\[0\]\.backend\.tags\.aws:cloudformation:stack-name: the aws: prefix is reserved for AWS/],
    ['an AWS: key in capitals', withTags({ 'AwS:team': 'x' }), /field pools\[0\]\.backend\.tags\.AwS:team: the aws: prefix is reserved/],
    ['an empty key', withTags({ '': 'x' }), /field pools\[0\]\.backend\.tags: a tag key must not be empty/],
    ['a 129-character key', withTags({ ['k'.repeat(129)]: 'x' }), /field pools\[0\]\.backend\.tags\.k{129}: the key is 129 characters: EC2 takes at most 128/],
    ['a 300-character value', withTags({ team: 'v'.repeat(300) }), /field pools\[0\]\.backend\.tags\.team: the value is 300 characters: EC2 takes at most 256/],
    ['10 MB of userData', withLaunch({ userData: 'x'.repeat(10 * 1024 * 1024) }), /field pools\[0\]\.backend\.launch\.userData: 10485760 bytes: EC2 takes at most 16 KB \(16384 bytes\) of user data, counted before base64/],
    ['16 KB + 1 byte of userData (in UTF-8 bytes, not characters)', withLaunch({ userData: 'é'.repeat(8192) + 'x' }), /launch\.userData: 16385 bytes/],
    ['a launch timeout of 0', withPolicy({ launchTimeout: 0 }), /field pools\[0\]\.policy\.launchTimeout: must be above zero/],
    ['an unhealthy timeout of "0s"', withPolicy({ unhealthyTimeout: '0s' }), /field pools\[0\]\.policy\.unhealthyTimeout: must be above zero/],
    ['a probe timeout of 0', { pools: [{ ...seed003, probe: { url: 'http://{privateIp}:8080/status', timeout: 0 } }] }, /field pools\[0\]\.probe\.timeout: must be above zero/],
    ['a Ray dashboard timeout of 0', { pools: [{ ...seed003, demand: { ...ray, timeout: '0ms' }, backend: slurm }] }, /field pools\[0\]\.demand\.timeout: must be above zero/],
    ['a command timeout of 0', { pools: [{ ...seed003, demand: ray, backend: { ...slurm, commandTimeout: 0 } }] }, /field pools\[0\]\.backend\.commandTimeout: must be above zero/],
    ['jobsPerHost 5e-324', withPolicy({ jobsPerHost: 5e-324 }), /field pools\[0\]\.policy\.jobsPerHost: must be a whole number/],
    ['jobsPerHost 1.5', withPolicy({ jobsPerHost: 1.5 }), /field pools\[0\]\.policy\.jobsPerHost: must be a whole number/],
    ['jobsPerHost 0', withPolicy({ jobsPerHost: 0 }), /field pools\[0\]\.policy\.jobsPerHost: must be at least 1/],
    ['a slurm backend with an sqs demand', { pools: [{ ...seed003, probe: undefined, backend: slurm }] }, /^pool\.json: field pools\[0\]\.demand\.type: a slurm backend goes with a ray demand/],
    ['a ray demand with an ec2 backend', { pools: [seed002, { ...seed002, name: 'other', demand: ray }] }, /^pool\.json: field pools\[1\]\.demand\.type: .*a ray demand with a slurm backend/],
  ];
  it.each(refused)('%s: refused, naming the file and the field', (_name, value, message) => {
    expect(() => parse(value)).toThrow(ConfigError);
    expect(() => parse(value)).toThrow(message);
  });

  const accepted: Array<[string, unknown]> = [
    ['44 tags besides Name (+ Name, the 4 tool tags and 1 reserved = 50)', manyTags(44)],
    ['45 tags with the file\'s own Name', manyTags(44, { Name: 'trainer' })],
    ['a 128-character key and a 256-character value, an empty value', withTags({ ['k'.repeat(128)]: 'v'.repeat(256), empty: '' })],
    ['a key that only contains aws:', withTags({ 'team-aws:x': 'y' })],
    ['exactly 16 KB of userData', withLaunch({ userData: 'x'.repeat(16 * 1024) })],
    ['scaleDownDelay and minUptime 0 (off)', withPolicy({ scaleDownDelay: 0, minUptime: '0s' })],
  ];
  it.each(accepted)('%s: accepted', (_name, value) => {
    expect(() => parse(value)).not.toThrow();
  });
});

describe('the pool file on disk', () => {
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

describe('policy.headroom', () => {
  const withHeadroom = (headroom: unknown) => parse({ pools: [{ ...seed002, policy: { minHosts: 0, maxHosts: 5, headroom } }] });
  it('absent: n + 2√n (the policy carries no headroom field, desiredSize defaults it)', () => {
    expect(parse({ pools: [seed002] }).pools[0]!.policy.headroom).toBeUndefined();
  });
  it('"2sqrt", "sqrt", "none" or a whole number of spare job slots', () => {
    expect(withHeadroom('sqrt').pools[0]!.policy.headroom).toBe('sqrt');
    expect(withHeadroom('none').pools[0]!.policy.headroom).toBe('none');
    expect(withHeadroom(3).pools[0]!.policy.headroom).toBe(3);
  });
  it('anything else is a ConfigError naming the field', () => {
    expect(() => withHeadroom('3sqrt')).toThrow(/pools\[0\]\.policy\.headroom/);
    expect(() => withHeadroom(1.5)).toThrow(/pools\[0\]\.policy\.headroom/);
    expect(() => withHeadroom(-1)).toThrow(/pools\[0\]\.policy\.headroom/);
  });
});

describe('policy.forecast (forecast-only mode)', () => {
  const withForecast = (forecast: unknown) => parse({ pools: [{ ...seed002, policy: { minHosts: 0, maxHosts: 5, forecast } }] });
  it('days of history, a lead and a statistic (defaults 14 days, 3m, p25: the rule tuned in docs/simulate.md)', () => {
    expect(withForecast({}).pools[0]!.policy.forecast).toEqual({ days: 14, leadMs: 180_000, stat: 'p25' });
    expect(withForecast({ days: 7 }).pools[0]!.policy.forecast).toEqual({ days: 7, leadMs: 180_000, stat: 'p25' });
    expect(withForecast({ days: 1, lead: '5m', stat: 'max' }).pools[0]!.policy.forecast).toEqual({ days: 1, leadMs: 300_000, stat: 'max' });
    expect(() => withForecast({ stat: 'p0' })).toThrow(/pools\[0\]\.policy\.forecast\.stat: must be "max", "mean" or a percentile/);
    expect(parse({ pools: [seed002] }).pools[0]!.policy.forecast).toBeUndefined();
  });
  it('days outside 1 to 28, or an unknown key, is a ConfigError naming the field', () => {
    expect(() => withForecast({ days: 0 })).toThrow(/pools\[0\]\.policy\.forecast\.days/);
    expect(() => withForecast({ days: 30 })).toThrow(/pools\[0\]\.policy\.forecast\.days/);
    expect(() => withForecast({ days: 1, act: true })).toThrow(/pools\[0\]\.policy\.forecast/);
  });
});
