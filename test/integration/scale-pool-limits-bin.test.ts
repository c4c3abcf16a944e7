import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2HttpFake } from '../fakes/ec2-http.js';
import { runBin } from './harness.js';

/**
 * Issue 17 item 10 through the built bin: a pool file beyond EC2's documented limits is refused
 * when read, before the lock and before any call: exit 2, one line naming the file and the field,
 * nothing received by EC2.
 */
const dir = mkdtempSync(join(tmpdir(), 'scale-pool-limits-'));
const awsEnv = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' };
const pool = (backend: Record<string, unknown>) => ({
  name: 'trainers',
  demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue' },
  backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'trainer' }, ...backend },
  policy: { minHosts: 1, maxHosts: 5 },
});

let fake: Ec2HttpFake;
beforeEach(async () => {
  fake = new Ec2HttpFake();
  await fake.start();
});
afterEach(async () => {
  await fake.close();
});

describe('scale-pool run with a pool file beyond EC2 limits', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an aws: tag key', { tags: { 'aws:team': 'ml' } }, /field pools\[0\]\.backend\.tags\.aws:team: the aws: prefix is reserved/],
    ['60 tags', { tags: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`t${i}`, 'x'])) }, /field pools\[0\]\.backend\.tags: 60 tags here \+ 6 of the tool's own .* at most 44 here/],
  ];
  it.each(cases)('%s: exit 2, one line naming the file and field, nothing sent to EC2', async (_name, backend, message) => {
    const path = join(dir, 'pool.json');
    writeFileSync(path, JSON.stringify({ pools: [pool(backend)] }));
    const r = await runBin('scale-pool', ['run', '--config', path], { ...awsEnv, AWS_ENDPOINT_URL: fake.url });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toMatch(/^scale-pool: configuration error: \S*pool\.json: field /);
    expect(r.stderr).toMatch(message);
    expect(fake.requests).toEqual([]);
  });
});
