import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ec2HttpFake } from '../fakes/ec2-http.js';
import { runBin } from './harness.js';

/**
 * The built `scale-pool run` with `backend.allocation` unset (the default: CreateFleet) against the
 * EC2 HTTP fake, whose IAM refuses CreateFleet (UnauthorizedOperation): the pool gets its hosts
 * through RunInstances in the same run, exit 0, and the warning (naming ec2:CreateFleet and the two
 * ways out) is in the human summary, in --json and in the pino log; the next run, within the hour,
 * does not ask CreateFleet again. With `allocation: "price-capacity-optimized"` set, the same refusal
 * is an error and nothing is launched; a CreateFleet of unknown outcome (a 500) never falls back.
 * Run `npx tsc -p tsconfig.build.json` first.
 */
const awsEnv = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' };
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue';

/** An SQS (JSON protocol) that says 2 messages wait: 2 + 2√2 -> 5 hosts wanted, capped at maxHosts 3. */
let sqs: Server;
let sqsUrl: string;
beforeAll(async () => {
  sqs = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '0' } }));
    });
  });
  await new Promise<void>((r) => sqs.listen(0, '127.0.0.1', r));
  sqsUrl = `http://127.0.0.1:${(sqs.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => sqs.close(() => r()));
});

let fake: Ec2HttpFake;
let dir: string;
beforeEach(async () => {
  fake = new Ec2HttpFake();
  fake.now = Date.now();
  await fake.start();
  dir = mkdtempSync(join(tmpdir(), 'scale-pool-fleet-fallback-'));
});
afterEach(async () => {
  await fake.close();
});

function poolFile(backend: Record<string, unknown> = {}): string {
  const path = join(dir, 'pool.json');
  writeFileSync(
    path,
    JSON.stringify({
      pools: [
        {
          name: 'trainers',
          demand: { type: 'sqs', queueUrl: QUEUE },
          backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'trainer' }, instanceTypes: ['c5.large', 'm5.large'], ...backend },
          policy: { minHosts: 0, maxHosts: 3 },
        },
      ],
    }),
  );
  return path;
}
const env = () => ({ ...awsEnv, AWS_ENDPOINT_URL_EC2: fake.url, AWS_ENDPOINT_URL_SQS: sqsUrl, EVALAI_AUTOSCALER_STATE_DIR: join(dir, 'state') });

interface Report {
  exitCode: number;
  pools: Array<{ launches: { launched: string[]; status: string; attempts: Array<{ outcome: string; error?: string }> }; warnings?: string[]; errors: string[] }>;
  sent: Array<{ action: string; ids: string[] }>;
}

describe('scale-pool run, default allocation, CreateFleet refused by IAM', () => {
  it('launches through RunInstances in the same run: exit 0, the warning in --json and the log; the next run skips CreateFleet and says so again', async () => {
    fake.failNext.set('CreateFleet', 'UnauthorizedOperation');
    const path = poolFile();
    const r = await runBin('scale-pool', ['run', '--json', '--config', path], env());
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(fake.count('CreateFleet')).toBe(1);
    expect(fake.count('RunInstances')).toBeGreaterThan(0);
    expect(report.pools[0]!.launches.launched).toHaveLength(3);
    expect(fake.live('trainers')).toHaveLength(3);
    expect(report.pools[0]!.launches.status).toBe('done');
    expect(report.pools[0]!.launches.attempts[0]).toMatchObject({ outcome: 'fell-back' });
    expect(report.pools[0]!.warnings).toEqual([expect.stringMatching(/ec2:CreateFleet was refused \(UnauthorizedOperation\).*grant ec2:CreateFleet .*backend\.allocation: "lowest-price-order"/)]);
    expect(r.logs.some((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes('ec2:CreateFleet was refused'))).toBe(true);

    // Within the hour: no CreateFleet, the warning in the human summary again; the cap holds (3 live, max 3).
    fake.terminated.length = 0;
    for (const i of fake.live('trainers').slice(0, 1)) i.state = 'terminated';
    const again = await runBin('scale-pool', ['run', '--config', path], env());
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(fake.count('CreateFleet')).toBe(1);
    expect(fake.live('trainers')).toHaveLength(3);
    expect(again.stdout).toMatch(/^ {2}warning: ec2:CreateFleet was refused at .*RunInstances/m);
  });

  it('allocation "price-capacity-optimized" set: the refusal is an error naming ec2:CreateFleet, nothing launched, exit 1', async () => {
    fake.failNext.set('CreateFleet', 'UnauthorizedOperation');
    const r = await runBin('scale-pool', ['run', '--json', '--config', poolFile({ allocation: 'price-capacity-optimized' })], env());
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.pools[0]!.errors.join('\n')).toMatch(/CreateFleet.*grant ec2:CreateFleet/);
    expect(fake.count('RunInstances')).toBe(0);
    expect(fake.live('trainers')).toHaveLength(0);
    expect(report.pools[0]!.warnings ?? []).toEqual([]);
  });

  it('a CreateFleet that answers 500 (outcome unknown): no RunInstances that run, exit 1, no warning', async () => {
    fake.failNext.set('CreateFleet', 'InternalError');
    const r = await runBin('scale-pool', ['run', '--json', '--config', poolFile()], env());
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.pools[0]!.errors.join('\n')).toMatch(/CreateFleet outcome unknown/);
    expect(fake.count('RunInstances')).toBe(0);
    expect(report.pools[0]!.warnings ?? []).toEqual([]);
  });
});
