import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { eksError } from '../aws/helpers.js';
import { runInProcess, type InProcessResult } from './in-process.js';
import { REDACTED } from '../../src/runtime/secrets.js';

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
  // A server that reflects the caller's token into its data: every challenge title quotes it, so
  // every path that prints a title (the human lines, --json, the decision log) would leak it
  // without redaction. Each test below fails with redaction turned off.
  for (const c of sandbox.state.challenges.values()) c.title = `${STAFF} ${c.title}`;
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

  it('unreachable (the token pasted into API_HOST_URL by mistake) and misconfigured: no secret in any output', async () => {
    const unreachable = await runInProcess([command, '--retries', '0', '--log-level', 'trace'], env({ API_HOST_URL: `http://127.0.0.1:9/${STAFF}` }));
    expect(unreachable.code).toBe(3);
    expect(unreachable.stdout).toMatch(/EvalAI unreachable at http:\/\/127\.0\.0\.1:9: connection refused/);
    expect(unreachable.stderr).toContain('"api":"http://127.0.0.1:9/[REDACTED]"');
    expectClean(unreachable);
    // A token file holding two tokens: the error names the file, never what it holds.
    const file = join(dir, `two-tokens-${command}`);
    writeFileSync(file, `${STAFF} ${HOST}\n`, { mode: 0o600 });
    const bad = await runInProcess([command, '--auth-token-file', file], env({ AUTH_TOKEN: undefined }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/holds more than one word/);
    for (const secret of ALL) expect(bad.stderr).not.toContain(secret);
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

  it('success path (AWS mocked, a nodegroup name that reflects the access key id): no secret in any output', async () => {
    eksMock.on(ListNodegroupsCommand).resolves({ nodegroups: [`ng-${AWS_KEY_ID}`] });
    eksMock.on(DescribeNodegroupCommand).resolves({ nodegroup: { status: 'ACTIVE', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 } } });
    eksMock.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'u-1' } });
    const r = await runInProcess(['scale-eks', '--json', '--log-level', 'trace'], env({ JSON_PATH: configFile() }));
    expect(eksMock.commandCalls(UpdateNodegroupConfigCommand)).toHaveLength(1);
    expect(r.stdout).toContain(`ng-${REDACTED}`);
    expectClean(r);
  });

  it('failure path: ListNodegroups refused with a message that quotes the keys', async () => {
    eksMock.on(ListNodegroupsCommand).rejects(eksError('AccessDeniedException', `key ${AWS_KEY_ID} (secret ${AWS_SECRET}) may not call eks:ListNodegroups`));
    const r = await runInProcess(['scale-eks', '--log-level', 'trace'], env({ JSON_PATH: configFile() }));
    expect(r.stdout).toContain(`access denied (AccessDeniedException: key ${REDACTED} (secret ${REDACTED})`);
    expectClean(r);
  });

  it('failure path: DescribeNodegroup answers a server error that quotes the secret key', async () => {
    eksMock.on(ListNodegroupsCommand).resolves({ nodegroups: ['ng-1'] });
    eksMock.on(DescribeNodegroupCommand).rejects(eksError('ServerException', `signing with ${AWS_SECRET} failed`));
    const r = await runInProcess(['scale-eks', '--json', '--log-level', 'trace'], env({ JSON_PATH: configFile() }));
    expect(eksMock.commandCalls(DescribeNodegroupCommand)).toHaveLength(1);
    expect(r.stdout).toContain(`AWS server error (ServerException: signing with ${REDACTED} failed)`);
    expectClean(r);
  });

  it('failure path: the host token refused with an answer that quotes it, then rejected', async () => {
    sandbox.fault({ path: `/api/challenges/challenge/${SEEDED.eksWithNodegroup}/`, times: 1, fault: { kind: 'status', status: 403, body: { detail: `${HOST} is not a host of this challenge` } } });
    const refused = await runInProcess(['scale-eks', '--json', '--log-level', 'trace'], env({ JSON_PATH: configFile() }));
    expect(refused.stdout).toContain(`not authorised (HTTP 403): ${REDACTED} is not a host of this challenge`);
    expectClean(refused);
    sandbox.state.users.find((u) => u.token === HOST)!.tokenState = 'blacklisted';
    expectClean(await runInProcess(['scale-eks', '--json', '--log-level', 'trace'], env({ JSON_PATH: configFile() })));
  });
});
