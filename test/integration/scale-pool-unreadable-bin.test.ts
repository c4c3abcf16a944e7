import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ec2HttpFake } from '../fakes/ec2-http.js';
import { faults, schedule, startFaultProxy, type FaultProxy } from '../fakes/fault-proxy.js';
import { runBin } from './harness.js';

/**
 * The built `scale-pool run` against the EC2 HTTP fake behind the fault proxy (issue 17, item 3):
 * a DescribeInstances answered 200 with a body that is not a DescribeInstancesResponse is "could
 * not list": that pool does nothing, the run exits 3 when no pool could be listed and 1 when
 * another pool was fine.
 */
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const dir = mkdtempSync(join(tmpdir(), 'scale-pool-unreadable-'));
const awsEnv = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' };
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue';
const poolOf = (name: string, minHosts: number) => ({
  name,
  demand: { type: 'sqs', queueUrl: QUEUE },
  backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'trainer' } },
  policy: { minHosts, maxHosts: 5 },
});
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

/** An SQS (JSON protocol) that says 4 messages wait: every pool wants hosts. */
let sqs: Server;
let sqsUrl: string;
beforeAll(async () => {
  sqs = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ Attributes: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '0' } }));
    });
  });
  await new Promise<void>((r) => sqs.listen(0, '127.0.0.1', r));
  sqsUrl = `http://127.0.0.1:${(sqs.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => sqs.close(() => r()));
});

let fake: Ec2HttpFake;
let proxy: FaultProxy;
beforeEach(async () => {
  fake = new Ec2HttpFake();
  await fake.start();
  proxy = await startFaultProxy(fake.url);
});
afterEach(async () => {
  await proxy.close();
  await fake.close();
});

const env = () => ({ ...awsEnv, AWS_ENDPOINT_URL_EC2: proxy.url, AWS_ENDPOINT_URL_SQS: sqsUrl });

describe('scale-pool run through the built bin, DescribeInstances unreadable', () => {
  it('a 200 with <html>: exit 3, one error line naming DescribeInstances, no RunInstances received', async () => {
    proxy.plan = schedule({ DescribeInstances: [faults.html()] });
    const r = await runBin('scale-pool', ['run', '--config', file('one.json', { pools: [poolOf('trainers', 1)] })], env());
    expect(r.code).toBe(3);
    const errorLines = r.stdout.split('\n').filter((l) => l.includes('error:'));
    expect(errorLines).toEqual([expect.stringMatching(/^ {2}error: observe: EC2 DescribeInstances: pool trainers: HTTP 200 from http:\/\/127\.0\.0\.1:\d+ \(region us-east-1\) with an HTML page .*could not list/)]);
    expect(r.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('EC2 DescribeInstances') && l.msg.includes('HTML page'))).toBe(true);
    expect(fake.actions()).toEqual(['DescribeInstances']);
    expect(fake.instances.size).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('the same with --json: exit 3, the pool marked unavailable, nothing launched', async () => {
    proxy.plan = schedule({ DescribeInstances: [faults.empty()] });
    const r = await runBin('scale-pool', ['run', '--json', '--config', file('one.json', { pools: [poolOf('trainers', 1)] })], env());
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as { exitCode: number; pools: Array<{ unavailable: boolean; launches: { launched: string[] }; errors: string[] }> };
    expect(report.exitCode).toBe(3);
    expect(report.pools[0]).toMatchObject({ unavailable: true, launches: { launched: [] } });
    expect(report.pools[0]!.errors[0]).toMatch(/EC2 DescribeInstances: .*an empty body/);
    expect(fake.count('RunInstances')).toBe(0);
  });

  it('one pool unreadable, the other listed: exit 1; only the listed pool launches', async () => {
    // Pools run one after another: the first DescribeInstances is pool "a"'s listing.
    proxy.plan = schedule({ DescribeInstances: [faults.emptyResponse()] });
    const r = await runBin('scale-pool', ['run', '--config', file('two.json', { pools: [poolOf('a', 1), poolOf('b', 1)] })], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/pool a:[\s\S]*error: observe: EC2 DescribeInstances: pool a: .*<Response>/);
    expect(fake.live('a')).toHaveLength(0);
    expect(fake.live('b').length).toBeGreaterThan(0);
  });
});
