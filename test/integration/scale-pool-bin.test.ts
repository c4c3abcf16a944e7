import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from './harness.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const dir = mkdtempSync(join(tmpdir(), 'scale-pool-bin-'));
const pool = {
  name: 'trainers',
  demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue' },
  backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'trainer' } },
  policy: { minHosts: 1, maxHosts: 5 },
};
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}
const awsEnv = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET, AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' };

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let ec2: Server;
let ec2Url: string;
const ec2Actions: string[] = [];
beforeAll(async () => {
  // An EC2 endpoint on 127.0.0.1 that shows an empty pool and refuses anything else.
  ec2 = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '?';
      ec2Actions.push(action);
      if (action === 'DescribeInstances') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r1</requestId><reservationSet/></DescribeInstancesResponse>');
      } else {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end('<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r2</RequestID></Response>');
      }
    });
  });
  await new Promise<void>((r) => ec2.listen(0, '127.0.0.1', r));
  ec2Url = `http://127.0.0.1:${(ec2.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => ec2.close(() => r()));
});

describe('scale-pool through the built bin', () => {
  it('a pool file error: exit 2, one line naming the field path, nothing on stdout', async () => {
    const r = await runBin('scale-pool', ['run', '--config', file('bad.json', { pools: [{ ...pool, policy: { minHosts: 3, maxHosts: 2 } }] })], awsEnv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scale-pool: configuration error: \S*bad\.json: field pools\[0\]\.policy\.minHosts: minHosts must not be above maxHosts\n$/);
    expect(r.stdout).toBe('');
  });

  it('AWS_ENDPOINT_URL at a closed 127.0.0.1 port: the pool cannot be listed, exit 3, no secret in the output', async () => {
    const port = await closedPort();
    const r = await runBin('scale-pool', ['run', '--config', file('pool.json', { pools: [pool] })], { ...awsEnv, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`AWS endpoint unreachable at 127.0.0.1:${port}`);
    expect(r.logs.every((l) => !('raw' in l))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it('SQS unreachable (AWS_ENDPOINT_URL_SQS) while EC2 answers: the demand is unknown, nothing launched or drained, exit 1', async () => {
    const port = await closedPort();
    ec2Actions.length = 0;
    const r = await runBin('scale-pool', ['run', '--config', file('pool.json', { pools: [pool] })], { ...awsEnv, AWS_ENDPOINT_URL_EC2: ec2Url, AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('pool trainers: demand unknown (sqs training-queue:');
    expect(r.stdout).toContain(`127.0.0.1:${port}`);
    expect(ec2Actions).toEqual(['DescribeInstances']);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
