import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from './harness.js';

/**
 * `scale-pool pause` / `resume` through the built bin, each step its own process (a restart between
 * every one): pause, a run that holds its launch, status and metrics that say since when, resume,
 * and a run that acts again. EC2 and SQS are a small fake on 127.0.0.1: an empty pool, 5 jobs queued.
 */
const dir = mkdtempSync(join(tmpdir(), 'scale-pool-pause-'));
const stateDir = join(dir, 'state');
const poolOf = (name: string) => ({
  name,
  demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue' },
  backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'trainer' } },
  policy: { minHosts: 1, maxHosts: 5 },
});
const config = join(dir, 'pools.json');
writeFileSync(config, JSON.stringify({ pools: [poolOf('trainers'), poolOf('other')] }));

let server: Server;
let env: Record<string, string>;
const actions: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.headers['x-amz-target'] === 'AmazonSQS.GetQueueAttributes') {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        return void res.end(JSON.stringify({ Attributes: { ApproximateNumberOfMessages: '5', ApproximateNumberOfMessagesNotVisible: '0' } }));
      }
      const action = new URLSearchParams(body).get('Action') ?? '?';
      actions.push(action);
      if (action === 'DescribeInstances') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        return void res.end('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r1</requestId><reservationSet/></DescribeInstancesResponse>');
      }
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end('<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r2</RequestID></Response>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  env = {
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    EVALAI_AUTOSCALER_STATE_DIR: stateDir,
    USER: 'alice',
  };
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const bin = (...args: string[]) => runBin('scale-pool', [...args, '--config', config], env);

describe('scale-pool pause and resume through the built bin', () => {
  it('a file of several pools: pause needs --pool (exit 2, one line)', async () => {
    const r = await bin('pause');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scale-pool: configuration error: scale-pool pause acts on one pool: \S+pools\.json holds 2 \(trainers, other\); pass --pool NAME\n$/);
  });

  it('pause, a held run, status and metrics saying since when, resume, and a run that acts again', async () => {
    const paused = await bin('pause', '--pool', 'trainers', '--reason', 'kernel upgrade');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/^pool trainers: paused since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by alice@\S+ \(kernel upgrade\): from its next tick nothing is launched, drained or terminated, and minHosts is not enforced, until `scale-pool resume`\n {2}kept in the pause file \S+trainers\.pause\.json\n$/);

    const again = await bin('pause', '--pool', 'trainers', '--by', 'bob', '--json');
    expect(again.code).toBe(0);
    const j = JSON.parse(again.stdout);
    expect(j).toMatchObject({ command: 'scale-pool pause', pool: 'trainers', changed: false, before: { by: expect.stringMatching(/^alice@/), reason: 'kernel upgrade' } });
    expect(j.after).toEqual(j.before);

    // A run of the whole file (another lock and state key than --pool trainers) sees the pause.
    actions.length = 0;
    const metricsFile = join(dir, 'run.prom');
    const run = await bin('run', '--metrics-file', metricsFile);
    expect(run.code).toBe(1); // `other` is not paused: its launch is refused by the fake
    expect(run.stdout).toMatch(/pool trainers: demand 5 \(sqs training-queue: 5 queued, 0 in flight\)\n {2}PAUSED since \S+Z \(for [^)]+\) by alice@\S+ \(kernel upgrade\): nothing is launched, drained or terminated until `scale-pool resume`\n/);
    expect(run.stdout).toMatch(/ {2}launch: held: pool paused since \S+Z by alice@\S+ \(kernel upgrade\): not launched: desired 5 hosts > 0 counting: launch 5\n/);
    expect(actions.filter((a) => a === 'RunInstances')).toHaveLength(1); // `other`'s only
    const prom = readFileSync(metricsFile, 'utf8');
    expect(prom).toMatch(/evalai_autoscaler_pool_paused\{pool="trainers"[^}]*\} 1\n/);
    expect(prom).toMatch(/evalai_autoscaler_pool_paused\{pool="other"[^}]*\} 0\n/);
    expect(prom).toMatch(/evalai_autoscaler_pool_paused_since_timestamp_seconds\{pool="trainers"[^}]*\} \d+/);

    const status = await bin('status', '--pool', 'trainers', '--json');
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout).pools[0];
    expect(s.paused).toMatchObject({ since: j.before.since, by: j.before.by, reason: 'kernel upgrade' });
    const human = await bin('status', '--pool', 'trainers');
    expect(human.stdout).toContain(`  PAUSED since ${j.before.since.replace(/\.\d+Z$/, 'Z')}`);

    const manual = await bin('scale-up', '1', '--pool', 'trainers');
    expect(manual.code).toBe(1);
    // The human line, beside the JSON log lines (on Node < 22, the SDK's notice about Node's version is one).
    expect(manual.stderr.split('\n').filter((l) => !l.startsWith('{')).join('\n')).toMatch(/^scale-pool: pool trainers: paused since \S+ by alice@\S+ \(kernel upgrade\): scale-pool scale-up changes nothing; run scale-pool resume first\n$/);

    const resumed = await bin('resume', '--pool', 'trainers');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^pool trainers: resumed: it was paused since \S+ by alice@\S+ \(kernel upgrade\) \(for [^)]+\); its next tick acts again\n/);
    const twice = await bin('resume', '--pool', 'trainers');
    expect(twice.code).toBe(0);
    expect(twice.stdout).toMatch(/^pool trainers: not paused; nothing changed\n/);

    actions.length = 0;
    const after = await bin('run', '--pool', 'trainers');
    expect(after.stdout).not.toContain('PAUSED');
    expect(actions).toContain('RunInstances');
  }, 180_000); // a dozen processes in a row on a busy machine: the bound only catches a hang
});
