import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin, type BinResult } from './harness.js';

/**
 * Issue 8, "Clear errors": each mistake an operator can make, or each odd answer, gets one line that
 * says what it means and a documented exit code. Through the built bins, as cron runs them.
 */
const dir = mkdtempSync(join(tmpdir(), 'clear-errors-'));
const LIST = '/api/challenges/challenge/all/all/all';
const metricsOf = (pk: number) => `/api/challenges/challenge/get_submission_metrics_by_pk/${pk}/`;

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ throttleRatePerMinute: false });
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined> = {}) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', ...extra });
const errorLines = (r: BinResult) => r.stdout.split('\n').filter((l) => l.startsWith('error: '));
const oneChallenge = ['--dry-run', '--challenge', String(SEEDED.activePendingNoWorker)];

function tokenFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('AUTH_TOKEN as operators paste it', () => {
  it.each([
    ['"Bearer <jwt>"', (t: string) => `Bearer ${t}`],
    ['"Token <key>"', (t: string) => `Token ${t}`],
    ['a trailing newline and spaces', (t: string) => `  ${t}\n`],
    ['surrounding quotes', (t: string) => `"${t}"`],
  ])('%s: the safe part is stripped and the run works', async (_what, shape) => {
    const r = await runBin('scale-workers', oneChallenge, env({ AUTH_TOKEN: shape(sandbox.tokens.staff) }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/would start/);
    expect(sandbox.requests.every((q) => q.headers.authorization === `Bearer ${sandbox.tokens.staff}`)).toBe(true);
  });

  it('AUTH_TOKEN_FILE holding "Bearer <jwt>" with a CRLF is read the same way', async () => {
    const file = tokenFile('crlf.token', `Bearer ${sandbox.tokens.staff}\r\n`);
    const r = await runBin('scale-workers', oneChallenge, env({ AUTH_TOKEN: undefined, AUTH_TOKEN_FILE: file }));
    expect(r.code).toBe(0);
    expect(r.logs.some((l) => /leading "Bearer" dropped/.test(String(l.msg)))).toBe(true);
  });

  it.each([
    ['whitespace inside', 'secret-part-one secret-part-two', 'AUTH_TOKEN holds more than one word (whitespace inside it); it must hold only the token'],
    ['a control character', 'secret-part\u001b[0m-two', 'AUTH_TOKEN contains control characters (a stray escape or carriage return?); it must hold only the token'],
    ['only the scheme word', 'Bearer ', 'AUTH_TOKEN is empty after the "Bearer" scheme word'],
  ])('%s: one line saying what is wrong, never the token; exit 2, nothing sent', async (_what, token, message) => {
    const r = await runBin('scale-workers', ['--dry-run'], env({ AUTH_TOKEN: token }));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`scale-workers: configuration error: ${message}\n`);
    expect(r.stderr).not.toContain('secret-part');
    expect(sandbox.requests).toEqual([]);
  });

  it('a token file with a control character inside names the file, not the token', async () => {
    const file = tokenFile('ctl.token', 'secret-part\u0007two\n');
    const r = await runBin('scale-workers', ['--dry-run'], env({ AUTH_TOKEN: undefined, AUTH_TOKEN_FILE: file }));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`scale-workers: configuration error: the token file ${file} contains control characters (a stray escape or carriage return?); it must hold only the token\n`);
  });
});

describe("a participant's (non-staff) token", () => {
  it.each(['scale-workers', 'stop-idle', 'scale-ec2', 'cancel-stale'])('%s: one run-level line "not a staff token", exit 3', async (command) => {
    const r = await runBin(command, ['--dry-run'], env({ AUTH_TOKEN: sandbox.tokens.participant }));
    expect(r.code).toBe(3);
    expect(errorLines(r)).toEqual([expect.stringMatching(/: this token is not a staff token: EvalAI refused it on a staff-only endpoint \(HTTP 40[03]: "Sorry, you are not authorized .*"\); use a staff user's token .*; the run stopped and took no further action$/)]);
    expect(r.stdout).not.toMatch(/not authorised/);
    expect(r.stdout).not.toMatch(/: failed - /);
  });

  it('an HTML 403 on one challenge\'s metrics (a proxy, not the staff check) fails that challenge only', async () => {
    sandbox.fault({ path: metricsOf(SEEDED.activePendingNoWorker), fault: { kind: 'html', status: 403 } });
    const r = await runBin('scale-workers', ['--dry-run'], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^challenge ${SEEDED.activePendingNoWorker} ".*": failed - .*not authorised \\(HTTP 403\\)`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^challenge ${SEEDED.activePendingStoppedWorker} ".*": would start`, 'm'));
    expect(errorLines(r)).toEqual([]);
  });
});

describe('other run-level mistakes', () => {
  it('a wrong LAMBDA_AUTH_TOKEN says the Lambda token was rejected; exit 3', async () => {
    const r = await runBin('scale-eks', ['--dry-run'], { API_HOST_URL: sandbox.url, LAMBDA_AUTH_TOKEN: 'not-the-lambda-secret' });
    expect(r.code).toBe(3);
    expect(errorLines(r)).toEqual([
      'error: autoscale_eligible_challenges: EvalAI rejected LAMBDA_AUTH_TOKEN (HTTP 403 "Invalid auth token."): it must equal the LAMBDA_AUTH_TOKEN setting of the EvalAI server; update LAMBDA_AUTH_TOKEN or LAMBDA_AUTH_TOKEN_FILE; the run stopped and took no further action',
    ]);
    expect(r.stdout).not.toContain('not-the-lambda-secret');
  });

  it('scale-ec2 --via aws without any AWS region: one line, exit 2, before anything is sent', async () => {
    const home = mkdtempSync(join(tmpdir(), 'no-aws-home-'));
    const r = await runBin('scale-ec2', ['--via', 'aws'], env({ HOME: home, AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') }));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('scale-ec2: configuration error: --via aws: no AWS region configured: pass --region, set AWS_REGION, or set region in the profile of the AWS config file (~/.aws/config, AWS_PROFILE)\n');
    expect(sandbox.requests).toEqual([]);
  });

  it('scale-ec2 --via aws takes the region from the AWS config file profile, as the SDK does', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aws-home-'));
    writeFileSync(join(home, 'config'), '[default]\nregion = eu-west-1\n');
    const r = await runBin('scale-ec2', ['--via', 'aws', '--dry-run', '--challenge', String(SEEDED.activePendingNoWorker)], env({ HOME: home, AWS_CONFIG_FILE: join(home, 'config') }));
    expect(r.stderr).not.toMatch(/no AWS region/);
    expect(r.code).toBe(0);
  });

  it('https:// to a plain-HTTP port says the TLS handshake failed and what to check', async () => {
    const r = await runBin('scale-workers', ['--dry-run', '--retries', '0'], env({ API_HOST_URL: sandbox.url.replace('http://', 'https://') }));
    expect(r.code).toBe(3);
    expect(errorLines(r)).toEqual([expect.stringMatching(/^error: challenge list: EvalAI unreachable at https:\/\/127\.0\.0\.1:\d+: TLS handshake failed: is the server plain HTTP\? check the scheme of API_HOST_URL \(http:\/\/ or https:\/\/\); nothing could be read/)]);
    expect(r.stdout).not.toMatch(/EPROTO/);
  });
});

describe('odd answers', () => {
  it('a count of 1e400 (Infinity once parsed) is "not a finite number", not "null"', async () => {
    sandbox.fault({ path: metricsOf(SEEDED.activePendingNoWorker), fault: { kind: 'status', status: 200, body: '{"running": 1e400, "submitted": 0}', contentType: 'application/json' } });
    const r = await runBin('scale-workers', oneChallenge, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/malformed response: field "running" is not a finite number \(too large to be a count\)$/m);
    expect(r.stdout).not.toMatch(/is null/);
  });

  it('a page count of 1e400 is "not a finite number" too', async () => {
    sandbox.fault({ path: LIST, fault: { kind: 'status', status: 200, body: '{"count": 1e400, "next": null, "previous": null, "results": []}', contentType: 'application/json' } });
    const r = await runBin('scale-workers', ['--dry-run', '--retries', '0'], env());
    expect(r.code).toBe(3);
    expect(errorLines(r)).toEqual([expect.stringMatching(/^error: challenge list: malformed response: field page 1\.count: not a finite number \(too large to be a count\); nothing could be read/)]);
  });

  it('an empty 200 body says the body was empty', async () => {
    sandbox.fault({ path: LIST, fault: { kind: 'status', status: 200 } });
    const r = await runBin('scale-workers', ['--dry-run', '--retries', '0'], env());
    expect(r.code).toBe(3);
    expect(errorLines(r)).toEqual([expect.stringMatching(/^error: challenge list: malformed response: page 1: the body was empty; nothing could be read/)]);
  });
});
