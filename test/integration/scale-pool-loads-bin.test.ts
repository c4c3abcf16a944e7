import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RayDashboardFake } from '../pool/ray-dashboard-fake.js';
import { SlurmFake } from '../pool/slurm-fake.js';
import { runBin, type BinResult } from './harness.js';

const PRELOAD = new URL('../fakes/record-modules.mjs', import.meta.url).href;

/** What a run of the built bin loaded: the files of its CommonJS modules (test/fakes/record-modules.cjs). */
async function loadedBy(args: string[], env: Record<string, string>): Promise<{ code: number | null; files: string[]; logs: BinResult['logs'] }> {
  const record = join(dir, 'modules.txt');
  const r = await runBin('scale-pool', args, { ...env, NODE_OPTIONS: `--import ${PRELOAD}`, RECORD_MODULES_FILE: record });
  return { code: r.code, files: readFileSync(record, 'utf8').split('\n').filter(Boolean), logs: r.logs };
}

const sdkPackages = (files: string[]): string[] => [...new Set(files.flatMap((f) => /node_modules\/(@aws-sdk\/[^/]+)\//.exec(f)?.[1] ?? []))].sort();

let slurm: SlurmFake;
let ray: RayDashboardFake;
let dir: string;
beforeEach(() => {
  slurm = new SlurmFake(Date.now());
  ray = new RayDashboardFake();
  dir = mkdtempSync(join(tmpdir(), 'scale-pool-loads-'));
});
afterEach(async () => {
  await ray.stop();
  slurm.cleanup();
});

describe('what a scale-pool run loads', () => {
  it('a tick of a SLURM pool with Ray demand loads no @aws-sdk module (it makes no AWS call), nor axios or prom-client', async () => {
    const config = join(dir, 'pool.json');
    const pool = {
      name: 'raypool',
      demand: { type: 'ray', dashboard: await ray.start(), timeout: '5s' },
      backend: { type: 'slurm', headAddress: '10.0.0.1:6379', partition: 'cpu', wallTime: '01:00:00', workerTypes: [{ name: 'cpu', cpus: 2, memory: '8G' }], user: 'alice', commands: slurm.paths },
      policy: { minHosts: 0, maxHosts: 3, jobsPerHost: 2 },
    };
    writeFileSync(config, JSON.stringify({ pools: [pool] }));
    ray.addPending(2);
    const r = await loadedBy(['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(0);
    expect(slurm.calls('sbatch').length).toBeGreaterThan(0); // the tick ran: the recorder saw a real run
    expect(r.files.some((f) => f.includes('/node_modules/pino/'))).toBe(true); // and it records what was loaded
    expect(sdkPackages(r.files)).toEqual([]);
    // Nor what only other pools or flags need: axios (an evalai demand), prom-client (--metrics-file, --pushgateway).
    expect(r.files.filter((f) => /\/node_modules\/(axios|prom-client)\//.test(f))).toEqual([]);
  });

  it('a tick of an EC2 pool with SQS demand loads the EC2 and SQS clients only (not STS, EKS or S3)', async () => {
    const config = join(dir, 'pool.json');
    const pool = {
      name: 'ec2pool',
      demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' },
      backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'lt' } },
      policy: { minHosts: 0, maxHosts: 3 },
    };
    writeFileSync(config, JSON.stringify({ pools: [pool] }));
    // Nothing answers on this port: the tick fails to observe (exit 3), after building its clients.
    const r = await loadedBy(['run', '--config', config, '--timeout', '2s'], {
      EVALAI_AUTOSCALER_STATE_DIR: dir,
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(r.code).toBe(3);
    expect(sdkPackages(r.files).filter((p) => p.startsWith('@aws-sdk/client-'))).toEqual(['@aws-sdk/client-ec2', '@aws-sdk/client-sqs']);
    // stderr is pino JSON only: the SDK's multi-line NodeVersionSupportWarning (printed on Node < 22
    // when a client is built) does not reach it; the log says it once, as fields.
    expect(r.logs.filter((l) => 'raw' in l)).toEqual([]);
    const notices = r.logs.filter((l) => l.awsSdkRequiresNode !== undefined);
    if (Number(process.versions.node.split('.')[0]) < 22) {
      expect(notices).toEqual([expect.objectContaining({ level: 40, nodeVersion: process.version, awsSdkRequiresNode: '>=22', msg: expect.stringMatching(/require Node 22 or later/) })]);
    } else {
      expect(notices).toEqual([]);
    }
  });

  it('the SLURM+Ray tick says nothing about the AWS SDK\'s Node support (it builds no AWS client)', async () => {
    const config = join(dir, 'pool.json');
    writeFileSync(config, JSON.stringify({ pools: [{ name: 'raypool', demand: { type: 'ray', dashboard: await ray.start(), timeout: '5s' }, backend: { type: 'slurm', headAddress: '10.0.0.1:6379', wallTime: '01:00:00', workerTypes: [{ name: 'cpu', cpus: 2 }], user: 'alice', commands: slurm.paths }, policy: { minHosts: 0, maxHosts: 3 } }] }));
    const r = await runBin('scale-pool', ['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(0);
    expect(r.logs.filter((l) => 'raw' in l || l.awsSdkRequiresNode !== undefined)).toEqual([]);
  });
});
