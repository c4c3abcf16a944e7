import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin, type BinResult } from './harness.js';

let sandbox: Sandbox;
let closedPort: number;
const dir = mkdtempSync(join(tmpdir(), 'scale-ec2-eks-bin-'));

/** A port nothing listens on: AWS calls aimed there fail at once with ECONNREFUSED. */
beforeAll(async () => {
  closedPort = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
});
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AWS_SECRET = 'integration-aws-secret-value';
const AWS_KEY_ID = 'AKIAINTEGRATIONTEST';
/** An emulator endpoint that is not there, the SDK's own variables, fake keys. */
const awsEnv = () => ({
  AWS_ENDPOINT_URL: `http://127.0.0.1:${closedPort}`,
  AWS_MAX_ATTEMPTS: '1',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: AWS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
});
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.path);

function expectNoSecrets(r: BinResult, secrets: string[]) {
  for (const s of secrets) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

describe('scale-ec2 (the built bin)', () => {
  const env = (extra: Record<string, string> = {}) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ...extra });

  it('--dry-run through EvalAI prints the plan and changes nothing', async () => {
    const r = await runBin('scale-ec2', ['--dry-run'], env());
    expect(r.code).toBe(1); // the challenge without an instance id cannot be described
    expect(puts()).toEqual([]);
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.ec2Stopped} ".*": would start - 2 pending submissions and instance ${SEEDED.instances.stopped} stopped`));
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.ec2RunningIdle} ".*": would stop - no pending submissions`));
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.ec2NoInstance} ".*": failed - the instance could not be described: .*HTML page`));
    expect(r.stdout).toMatch(/^scale-ec2 \(dry run\): 322 challenges, .*1 failed; exit 1$/m);
    expectNoSecrets(r, [sandbox.tokens.staff]);
  });

  it('starts and stops with PUTs to the slashed paths; a second run has nothing left but the deferred stop', async () => {
    const r = await runBin('scale-ec2', ['--log-level', 'debug'], env());
    expect(r.code).toBe(1);
    expect(puts().sort()).toEqual(
      [
        `/api/challenges/${SEEDED.ec2Stopped}/manage_ec2_instance/start/`,
        `/api/challenges/${SEEDED.ec2RunningIdle}/manage_ec2_instance/stop/`,
        `/api/challenges/${SEEDED.ec2ChecksNotReady}/manage_ec2_instance/stop/`,
        `/api/challenges/${SEEDED.ec2EndedRunning}/manage_ec2_instance/stop/`,
      ].sort(),
    );
    expect(sandbox.requests.filter((q) => q.status >= 300 && q.status < 400)).toEqual([]);
    const deferred = r.logs.find((l) => l.msg === 'decision' && l.challenge === SEEDED.ec2ChecksNotReady);
    expect(deferred).toMatchObject({ status: 'unchanged', reason: expect.stringMatching(/stop deferred: the instance's status checks have not passed yet/) });
    // The dry run planned this stop too: without -v, the real run says which stop was put off and why.
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.ec2ChecksNotReady} ".*": unchanged - stop deferred: the instance's status checks have not passed yet`));
    expect(r.stdout).toMatch(/^scale-ec2: 322 challenges, stop 2, start 1, 3 unchanged \(1 stop deferred\), 315 skipped, 1 failed; exit 1$/m);
    expectNoSecrets(r, [sandbox.tokens.staff]);

    sandbox.requests.length = 0;
    const again = await runBin('scale-ec2', [], env());
    expect(again.code).toBe(1);
    expect(puts()).toEqual([`/api/challenges/${SEEDED.ec2ChecksNotReady}/manage_ec2_instance/stop/`]);
  });

  it('--json for the chosen challenges', async () => {
    const r = await runBin('scale-ec2', ['--json', '--dry-run', '--challenge', `${SEEDED.ec2Stopped},${SEEDED.ec2BootingInstance}`], env());
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { command: string; exitCode: number; outcomes: Array<{ challengeId: number; action: string; status: string; facts: Record<string, unknown> }> };
    expect(report).toMatchObject({ command: 'scale-ec2', exitCode: 0 });
    expect(report.outcomes.map((o) => [o.challengeId, o.action, o.status])).toEqual([
      [SEEDED.ec2BootingInstance, 'none', 'unchanged'],
      [SEEDED.ec2Stopped, 'start', 'planned'],
    ]);
    expect(report.outcomes[1]!.facts).toMatchObject({ instanceId: SEEDED.instances.stopped, state: 'stopped', pending: 2 });
  });

  it('--via aws honours AWS_ENDPOINT_URL: an unreachable emulator is a clear failure, keys never shown', async () => {
    const r = await runBin('scale-ec2', ['--via', 'aws', '--challenge', String(SEEDED.ec2Stopped)], env(awsEnv()));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`failed - the instance could not be described: EC2 DescribeInstances: instance ${SEEDED.instances.stopped}: AWS endpoint unreachable at 127\\.0\\.0\\.1:${closedPort}: connection refused`));
    expect(puts()).toEqual([]);
    expectNoSecrets(r, [sandbox.tokens.staff, AWS_SECRET, AWS_KEY_ID]);
  });

  it('a bad --via is a usage error (exit 2), nothing sent', async () => {
    const via = await runBin('scale-ec2', ['--via', 'ssh'], env());
    expect(via.code).toBe(2);
    expect(via.stderr).toMatch(/--via must be "evalai" or "aws"/);
    expect(sandbox.requests).toEqual([]);
  });
});

describe('scale-eks (the built bin)', () => {
  function configFile(content: unknown, mode = 0o600): string {
    const path = join(dir, `eks-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    chmodSync(path, mode);
    return path;
  }
  const config = () => ({
    [SEEDED.eksWithNodegroup]: {
      auth_token: sandbox.tokens.host(SEEDED.teams.eks),
      scale_up_desired_size: 3,
      aws_keys: { AWS_ACCESS_KEY_ID: 'AKIAENTRYKEY315', AWS_SECRET_ACCESS_KEY: 'entry-secret-key-315', AWS_REGION: 'eu-west-1' },
    },
    [SEEDED.activePendingNoWorker]: { auth_token: sandbox.tokens.host(1) },
    '999': { scale_up_desired_size: 2 },
  });

  it('config file: AWS calls honour AWS_ENDPOINT_URL and fail fast; broken entries are reported; no secret shown', async () => {
    const path = configFile(config(), 0o644);
    const r = await runBin('scale-eks', [], { API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, JSON_PATH: path, ...awsEnv() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.eksWithNodegroup} ".*": failed - the nodegroup could not be read: EKS ListNodegroups: cluster evalai-sandbox-315-cluster: AWS endpoint unreachable at 127\\.0\\.0\\.1:${closedPort}`));
    expect(r.stdout).toMatch(/challenge 999: failed - config entry invalid: skipped: config entry "999": field auth_token: missing/);
    expect(r.stdout).toMatch(/^scale-eks: 3 challenges, 0 unchanged, 1 skipped, 2 failed; exit 1$/m);
    expect(r.logs.some((l) => l.level === 40 && /readable by group or others \(mode 644\); chmod 600 it/.test(String(l.msg)))).toBe(true);
    // one evaluation_cluster call, with the host token
    expect(sandbox.requests.filter((q) => q.path.endsWith('/evaluation_cluster/')).map((q) => q.path)).toEqual([`/api/challenges/${SEEDED.eksWithNodegroup}/evaluation_cluster/`]);
    expectNoSecrets(r, [sandbox.tokens.staff, sandbox.tokens.host(SEEDED.teams.eks), sandbox.tokens.host(1), 'AKIAENTRYKEY315', 'entry-secret-key-315', AWS_SECRET, AWS_KEY_ID]);
  });

  it('LAMBDA_AUTH_TOKEN: no user token needed; each eligible challenge fails on the unreachable endpoint', async () => {
    const r = await runBin('scale-eks', ['--json'], { API_HOST_URL: sandbox.url, LAMBDA_AUTH_TOKEN: sandbox.tokens.lambda!, ...awsEnv() });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { outcomes: Array<{ challengeId: number; status: string; error?: string }> };
    expect(report.outcomes.map((o) => o.challengeId).sort()).toEqual([SEEDED.eksWithNodegroup, SEEDED.eksNodegroupUnknown].sort());
    for (const o of report.outcomes) {
      expect(o.status).toBe('failed');
      expect(o.error).toMatch(new RegExp(`AWS endpoint unreachable at 127\\.0\\.0\\.1:${closedPort}`));
    }
    expect(sandbox.requests.map((q) => q.path)).toContain('/api/challenges/challenge/autoscale_eligible_challenges/');
    expectNoSecrets(r, [sandbox.tokens.lambda!, AWS_SECRET, AWS_KEY_ID]);
  });

  it('a wrong LAMBDA_AUTH_TOKEN: exit 3', async () => {
    const r = await runBin('scale-eks', [], { API_HOST_URL: sandbox.url, LAMBDA_AUTH_TOKEN: 'wrong-lambda-token', ...awsEnv() });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/error: autoscale_eligible_challenges: EvalAI rejected LAMBDA_AUTH_TOKEN \(HTTP 403 "Invalid auth token\."\)/);
    expect(r.stdout).not.toMatch(/check API_HOST_URL/);
    expectNoSecrets(r, ['wrong-lambda-token']);
  });

  it.each([
    ['nothing configured', {}, /configuration error: nothing to scale/],
    ['config file without the staff AUTH_TOKEN', { JSON_PATH: '__FILE__' }, /configuration error: AUTH_TOKEN is not set/],
    ['a file that is not JSON', { JSON_PATH: '__BAD__', AUTH_TOKEN: 'x-token' }, /configuration error: the EKS config file .* is not valid JSON/],
  ])('%s: exit 2 with one line, nothing sent', async (_name, extra, message) => {
    const vars: Record<string, string> = { ...extra };
    if (vars.JSON_PATH === '__FILE__') vars.JSON_PATH = configFile(config());
    if (vars.JSON_PATH === '__BAD__') vars.JSON_PATH = configFile('{"315": {"auth_token": "secret-in-bad-json"');
    const r = await runBin('scale-eks', [], { API_HOST_URL: sandbox.url, ...vars, ...awsEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('secret-in-bad-json');
    expect(sandbox.requests).toEqual([]);
  });
});
