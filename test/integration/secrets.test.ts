import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { eksError } from '../aws/helpers.js';
import { runInProcess, type InProcessResult } from './in-process.js';

/**
 * One redaction layer (issue 5): known secrets fed through every command's success and failure
 * paths, in every role a secret has (staff token, host token, lambda token, AWS keys from the
 * environment and from the config file), never appear in stdout or stderr, at trace level and in
 * --json reports alike.
 */
const STAFF = 'staff-secret-7Hq2Lx9PzV';
const HOST = 'host-secret-Wm3Kd8RtYb';
const AWS_SECRET = 'aws-secret-Qe5Nc1UfJo/abc+def';
const AWS_KEY_ID = 'AKIASECRETTESTKEY01';
const ALL = [STAFF, HOST, AWS_SECRET, AWS_KEY_ID];

const eksMock = mockClient(EKSClient);
const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await startSandbox({ throttleRatePerMinute: false });
  const staff = sandbox.state.users.find((u) => u.id === SEEDED.users.staff)!;
  sandbox.state.users.push({ ...staff, id: 900, username: 'staff-2', token: STAFF });
  const host = sandbox.state.users.find((u) => u.hostTeamIds.includes(SEEDED.teams.eks))!;
  sandbox.state.users.push({ ...host, id: 901, username: 'host-2', token: HOST });
  eksMock.reset();
});
afterEach(() => sandbox.close());
afterAll(() => eksMock.restore());

const env = (extra: Record<string, string | undefined> = {}) => ({
  API_HOST_URL: sandbox.url,
  AUTH_TOKEN: STAFF,
  ENV: 'prod',
  EVALAI_AUTOSCALER_STATE_DIR: dir,
  AWS_ACCESS_KEY_ID: AWS_KEY_ID,
  AWS_SECRET_ACCESS_KEY: AWS_SECRET,
  AWS_REGION: 'us-east-1',
  ...extra,
});

function expectClean(r: InProcessResult) {
  for (const s of ALL) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
    expect(r.stdout).not.toContain(encodeURIComponent(s));
    expect(r.stderr).not.toContain(encodeURIComponent(s));
  }
  // Something was actually said: a silent run would pass trivially.
  expect(r.stdout.length + r.stderr.length).toBeGreaterThan(100);
}

const failures = (sb: Sandbox) => {
  sb.fault({ path: /get_submission_metrics_by_pk/, times: 3, fault: { kind: 'html', status: 500 } });
  sb.fault({ path: /manage_(worker|ec2_instance)/, times: 1, fault: { kind: 'status', status: 400, body: { error: `echo ${STAFF} back` } } });
  sb.fault({ path: /\/submission\/$/, times: 1, fault: { kind: 'status', status: 500, body: { detail: `token was ${STAFF}` } } });
};

describe.each(['scale-workers', 'scale-ec2', 'cancel-stale', 'stop-idle'])('%s', (command) => {
  it.each([
    ['success, human', ['--log-level', 'trace']],
    ['success, --json', ['--json', '--log-level', 'trace']],
    ['dry run', ['--dry-run', '--json', '--log-level', 'trace']],
  ])('%s: no secret in any output', async (_n, args) => {
    expectClean(await runInProcess([command, ...args], env()));
  });

  it('failure paths (5xx, errors that echo the token, a rejected token): no secret in any output', async () => {
    failures(sandbox);
    expectClean(await runInProcess([command, '--json', '--log-level', 'trace', '--retries', '0'], env()));
    sandbox.state.users.find((u) => u.token === STAFF)!.tokenState = 'expired';
    const rejected = await runInProcess([command, '--log-level', 'trace'], env());
    expect(rejected.code).toBe(3);
    expectClean(rejected);
  });

  it('unreachable and misconfigured: no secret in any output', async () => {
    expectClean(await runInProcess([command, '--retries', '0', '--log-level', 'trace'], env({ API_HOST_URL: 'http://127.0.0.1:9' })));
    const bad = await runInProcess([command, '--auth-token-file', `/nonexistent/${STAFF}`], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain(HOST);
  });
});

describe('scale-eks', () => {
  function configFile(): string {
    const path = join(dir, `eks-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        [SEEDED.eksWithNodegroup]: {
          auth_token: HOST,
          scale_up_desired_size: 3,
          aws_keys: { AWS_ACCESS_KEY_ID: AWS_KEY_ID, AWS_SECRET_ACCESS_KEY: AWS_SECRET, AWS_REGION: 'us-east-1' },
        },
        '999999': { auth_token: HOST, aws_keys: { AWS_ACCESS_KEY_ID: 7 } },
      }),
    );
    chmodSync(path, 0o644); // readable by others: the warning must not print the secrets either
    return path;
  }

  it('success path (AWS mocked): no secret in any output', async () => {
    eksMock.on(ListNodegroupsCommand).resolves({ nodegroups: ['ng-1'] });
    eksMock.on(DescribeNodegroupCommand).resolves({ nodegroup: { status: 'ACTIVE', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 } } });
    eksMock.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'u-1' } });
    const r = await runInProcess(['scale-eks', '--json', '--log-level', 'trace'], env({ JSON_PATH: configFile() }));
    expect(eksMock.commandCalls(UpdateNodegroupConfigCommand)).toHaveLength(1);
    expectClean(r);
  });

  it('failure path (AWS errors that echo the keys, a rejected host token): no secret in any output', async () => {
    eksMock.on(ListNodegroupsCommand).rejects(eksError('UnrecognizedClientException', `The security token ${AWS_KEY_ID} / ${AWS_SECRET} is invalid`));
    eksMock.on(DescribeNodegroupCommand).rejects(eksError('ExpiredTokenException', `expired: ${AWS_SECRET}`));
    expectClean(await runInProcess(['scale-eks', '--log-level', 'trace'], env({ JSON_PATH: configFile() })));
    sandbox.state.users.find((u) => u.token === HOST)!.tokenState = 'blacklisted';
    expectClean(await runInProcess(['scale-eks', '--json', '--log-level', 'trace'], env({ JSON_PATH: configFile() })));
  });
});
