import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
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

  it('SIGTERM while CreateTags is in flight: no TerminateInstances, CreateFleet, RunInstances or CreateTags leaves after it, and the report lists exactly what was sent', async () => {
    // An EC2 and SQS on 127.0.0.1: a host to mark ready, one unhealthy for 13 h (to terminate), five
    // jobs queued (a launch: CreateFleet, the default allocation, from the file's launch template).
    // The first CreateTags is answered only once the run has seen the signal.
    const XMLNS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
    const since = (ms: number) => new Date(Date.now() - ms).toISOString();
    const inst = (id: string, state: string, at: string) =>
      `<item><instanceId>${id}</instanceId><instanceState><code>16</code><name>running</name></instanceState><launchTime>${since(14 * 3_600_000)}</launchTime><tagSet><item><key>evalai-autoscaler:pool</key><value>trainers</value></item><item><key>evalai-autoscaler:state</key><value>${state}</value></item><item><key>evalai-autoscaler:state-since</key><value>${at}</value></item></tagSet></item>`;
    const seen: string[] = [];
    let release: (() => void) | undefined;
    let arrived!: () => void;
    const createTagsArrived = new Promise<void>((r) => (arrived = r));
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.headers['x-amz-target'] === 'AmazonSQS.GetQueueAttributes') {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          return void res.end(JSON.stringify({ Attributes: { ApproximateNumberOfMessages: '5', ApproximateNumberOfMessagesNotVisible: '0' } }));
        }
        const action = new URLSearchParams(body).get('Action') ?? '?';
        seen.push(action);
        const xml = (x: string) => {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(x);
        };
        if (action === 'DescribeInstances') {
          return xml(`<DescribeInstancesResponse ${XMLNS}><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet>${inst('i-a', 'launching', since(60_000))}${inst('i-b', 'unhealthy', since(13 * 3_600_000))}</instancesSet></item></reservationSet></DescribeInstancesResponse>`);
        }
        const ok = () => xml(`<${action}Response ${XMLNS}><requestId>r</requestId><return>true</return></${action}Response>`);
        if (action === 'CreateTags' && !release) {
          release = ok;
          return arrived();
        }
        ok();
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, [`${root}bin/scale-pool.js`, 'run', '--json', '--config', file('signal.json', { pools: [pool] })], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, EVALAI_AUTOSCALER_STATE_DIR: mkdtempSync(join(tmpdir(), 'signal-state-')), ...awsEnv, AWS_ENDPOINT_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sawSignal!: () => void;
    const signalSeen = new Promise<void>((r) => (sawSignal = r));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('SIGTERM received')) sawSignal();
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await createTagsArrived;
      child.kill('SIGTERM');
      // The run has logged the signal before the slow CreateTags answers: no race on who comes first.
      await signalSeen;
      release!();
      const code = await exited;
      expect(code).toBe(143);
      expect(seen.filter((a) => a !== 'DescribeInstances')).toEqual(['CreateTags']);
      const report = JSON.parse(stdout) as { sent: Array<{ action: string; ids: string[] }>; notSent: Array<{ action: string; ids: string[]; signal: string }>; errors: string[] };
      expect(report.sent.map((c) => `${c.action} ${c.ids.join(',')}`)).toEqual(['CreateTags i-a']);
      // The launch goes through CreateFleet (the default allocation); held back, it never falls back to RunInstances.
      expect(report.notSent.map((c) => `${c.action} ${c.ids.join(',')} ${c.signal}`)).toEqual(['CreateTags i-b SIGTERM', 'CreateFleet  SIGTERM']);
      expect(report.errors).toContain('interrupted by SIGTERM: no change was sent to AWS after it; held back: CreateTags i-b; CreateFleet');
    } finally {
      clearTimeout(guard);
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });
});
