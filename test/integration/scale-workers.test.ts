import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin, type BinResult } from './harness.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined> = {}) => ({
  API_HOST_URL: sandbox.url,
  AUTH_TOKEN: sandbox.tokens.staff,
  ENV: 'prod',
  ...extra,
});
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
const workerPut = (pk: number, action: string) => `/api/challenges/${pk}/manage_worker/${action}/`;

function expectNoSecret(r: BinResult, secret = sandbox.tokens.staff) {
  expect(r.stdout).not.toContain(secret);
  expect(r.stderr).not.toContain(secret);
}

describe('scale-workers (the built bin, as cron runs it)', () => {
  it('--dry-run prints the plan and makes no change', async () => {
    const r = await runBin('scale-workers', ['--dry-run'], env());
    expect(r.code).toBe(0);
    expect(puts()).toEqual([]);
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.activePendingNoWorker} ".*": would start - 3 pending submissions and no worker`));
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.activeIdleWorker} ".*": would stop - no pending submissions, 1 worker up`));
    expect(r.stdout).toMatch(/^scale-workers \(dry run\): 322 challenges, .*would start \d+.*; exit 0$/m);
    expect(sandbox.state.challenges.get(SEEDED.activePendingNoWorker)?.workers).toBeNull();
    expectNoSecret(r);
  });

  it('starts and stops what the decision table says, and nothing else', async () => {
    const r = await runBin('scale-workers', ['--log-level', 'debug'], env());
    expect(r.code).toBe(0);
    const sent = puts();
    expect(sent).toContain(workerPut(SEEDED.activePendingNoWorker, 'start'));
    expect(sent).toContain(workerPut(SEEDED.activePendingStoppedWorker, 'start'));
    expect(sent).toContain(workerPut(SEEDED.activeIdleWorker, 'stop'));
    // ended (never stop: the server would refuse), busy, remote evaluation in prod, EC2 challenges:
    for (const pk of [SEEDED.endedIdleWorker, SEEDED.endedDrainingWorker, SEEDED.activeBusyWorker, SEEDED.remoteEvaluationPending, SEEDED.ec2Stopped, SEEDED.ec2RunningIdle]) {
      expect(sent.filter((p) => p.startsWith(`/api/challenges/${pk}/`))).toEqual([]);
    }
    expect(sandbox.state.challenges.get(SEEDED.activePendingNoWorker)?.workers).toBe(1);
    expect(sandbox.state.challenges.get(SEEDED.activeIdleWorker)?.workers).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.activePendingNoWorker} ".*": start - 3 pending`));
    expect(r.stdout).toMatch(/^scale-workers: 322 challenges, start \d+, stop \d+, .* 0 failed; exit 0$/m);
    const decision = r.logs.find((l) => l.msg === 'decision' && l.challenge === SEEDED.endedDrainingWorker);
    expect(decision?.reason).toMatch(/draining/);
    expect(decision?.level).toBe(20); // unchanged: debug, so thousands of ended challenges stay out of the info log
    expectNoSecret(r);

    // A second run finds nothing left to do.
    sandbox.requests.length = 0;
    const again = await runBin('scale-workers', [], env());
    expect(again.code).toBe(0);
    expect(puts()).toEqual([]);
  });

  it('fetches metrics only for challenges whose decision can depend on them, each once', async () => {
    // From the sandbox's own state (docs/scale-workers.md): listed, in scope with ENV=prod (not
    // remote evaluation, not EC2), and not ended or still with a worker.
    const now = Date.now();
    const expected = [...sandbox.state.challenges.values()]
      .filter((c) => !c.is_disabled && !c.remote_evaluation && !c.uses_ec2_worker)
      .filter((c) => c.end_date === null || c.end_date.getTime() > now || (c.workers ?? 0) > 0)
      .map((c) => c.id)
      .sort((a, b) => a - b);
    expect(expected).toContain(SEEDED.activePendingNoWorker);
    expect(expected).toContain(SEEDED.endedDrainingWorker);
    expect(expected).not.toContain(SEEDED.remoteEvaluationPending);
    expect(expected.length).toBeLessThan(SEEDED.listedChallenges / 4); // most of them are long ended with no worker
    await runBin('scale-workers', ['--dry-run'], env());
    const metrics = sandbox.requests.flatMap((r) => /\/get_submission_metrics_by_pk\/(\d+)\/$/.exec(r.path)?.[1] ?? []).map(Number);
    expect(metrics.sort((a, b) => a - b)).toEqual(expected);
  });

  it('ENV=dev also scales remote-evaluation challenges (as upstream)', async () => {
    const r = await runBin('scale-workers', [], env({ ENV: 'dev' }));
    expect(r.code).toBe(0);
    expect(puts()).toContain(workerPut(SEEDED.remoteEvaluationPending, 'start'));
  });

  it('--json prints the report', async () => {
    const r = await runBin('scale-workers', ['--json', '--challenge', String(SEEDED.activePendingNoWorker)], env());
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { exitCode: number; outcomes: Array<Record<string, unknown>>; actions: Record<string, number> };
    expect(report.exitCode).toBe(0);
    expect(report.actions).toEqual({ start: 1 });
    expect(report.outcomes).toEqual([
      expect.objectContaining({ challengeId: SEEDED.activePendingNoWorker, action: 'start', status: 'done', facts: { pending: 3, workers: null, ended: false } }),
    ]);
  });

  it('a Failure answered with HTTP 200 is a failure: exit 1, the error shown, the others still handled', async () => {
    sandbox.state.challenges.get(SEEDED.activePendingNoWorker)!.workerFailure = { Code: 'ClientException', Message: 'Cluster not found.' };
    const r = await runBin('scale-workers', [], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.activePendingNoWorker} ".*": failed - .*EvalAI answered Failure: ClientException: Cluster not found\\.`));
    expect(puts()).toContain(workerPut(SEEDED.activeIdleWorker, 'stop'));
  });

  it('malformed metrics for one challenge: that challenge fails and is not acted on; the others are', async () => {
    sandbox.fault({ path: `/api/challenges/challenge/get_submission_metrics_by_pk/${SEEDED.activeIdleWorker}/`, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), submitted: -1 }) } });
    const r = await runBin('scale-workers', [], env());
    expect(r.code).toBe(1);
    expect(puts()).not.toContain(workerPut(SEEDED.activeIdleWorker, 'stop'));
    expect(puts()).toContain(workerPut(SEEDED.activePendingNoWorker, 'start'));
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.activeIdleWorker} ".*": failed - pending submissions unknown: nothing done: .*"submitted" is -1`));
  });

  it('a page of the list that cannot be read: exit 1, the challenges already read are still handled', async () => {
    sandbox.fault({ path: '/api/challenges/challenge/all/all/all', skip: 1, fault: { kind: 'html', status: 500 } });
    const r = await runBin('scale-workers', ['--retries', '0'], env());
    expect(r.code).toBe(1);
    expect(puts()).toContain(workerPut(SEEDED.activePendingNoWorker, 'start')); // page 1: newest first
    expect(r.stdout).toMatch(/error: challenge list: server error \(HTTP 500\): HTML page.*after 150 challenges were read/);
  });

  it('an expired token: one line with the remedy, exit 3, no action', async () => {
    const r = await runBin('scale-workers', [], env({ AUTH_TOKEN: sandbox.tokens.expired }));
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/EvalAI rejected the token .*profile page/);
    expect(puts()).toEqual([]);
    expectNoSecret(r, sandbox.tokens.expired);
  });

  it('EvalAI unreachable: exit 3', async () => {
    const r = await runBin('scale-workers', ['--retries', '0'], env({ API_HOST_URL: 'http://127.0.0.1:9' }));
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/EvalAI unreachable at http:\/\/127\.0\.0\.1:9: connection refused/);
    expect(r.stdout).toMatch(/nothing was changed; check API_HOST_URL and that EvalAI is up/);
  });

  it.each([
    ['missing API_HOST_URL', [], { API_HOST_URL: undefined }, /configuration error: API_HOST_URL is not set/],
    ['missing AUTH_TOKEN', [], { AUTH_TOKEN: undefined }, /configuration error: AUTH_TOKEN is not set/],
    ['a bad flag', ['--concurrency', 'many'], {}, /option '--concurrency <n>' argument 'many' is invalid/],
    ['an unknown flag', ['--frobnicate'], {}, /unknown option '--frobnicate'/],
    ['a missing token file', [], { AUTH_TOKEN: undefined, AUTH_TOKEN_FILE: '/nonexistent/token' }, /cannot read the token file \/nonexistent\/token \(ENOENT\)/],
  ])('%s: exit 2 with one clear line, nothing sent', async (_n, args, extra, message) => {
    const r = await runBin('scale-workers', args, env(extra));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('reads the token from AUTH_TOKEN_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-'));
    const file = join(dir, 'token');
    writeFileSync(file, `${sandbox.tokens.staff}\n`, { mode: 0o600 });
    const r = await runBin('scale-workers', ['--dry-run'], env({ AUTH_TOKEN: undefined, AUTH_TOKEN_FILE: file }));
    expect(r.code).toBe(0);
    expect(sandbox.requests[0]?.headers.authorization).toBe(`Bearer ${sandbox.tokens.staff}`);
    expectNoSecret(r);
  });

  it('--challenge with an id EvalAI does not list: that id fails, exit 1', async () => {
    const r = await runBin('scale-workers', ['--challenge', '99999'], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/challenge 99999: failed - not in the challenge list/);
  });

  it('the token never reaches output even at debug level', async () => {
    const r = await runBin('scale-workers', ['--dry-run', '--log-level', 'trace'], env());
    expect(r.code).toBe(0);
    expect(r.logs.some((l) => l.msg === 'request')).toBe(true);
    expectNoSecret(r);
  });
});

describe('evalai-autoscaler (the umbrella bin)', () => {
  it('--version prints package.json\'s version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await runBin('evalai-autoscaler', ['--version'], {});
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--version is read from the installed package.json at run time, not written into the code', () => {
    // The built package in a directory of its own, with another version in its package.json.
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const copy = mkdtempSync(join(tmpdir(), 'version-'));
    try {
      cpSync(join(root, 'dist'), join(copy, 'dist'), { recursive: true });
      cpSync(join(root, 'bin'), join(copy, 'bin'), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
      writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'evalai-autoscaler', version: '9.8.7-test', type: 'module' }));
      const out = execFileSync(process.execPath, [join(copy, 'bin', 'evalai-autoscaler.js'), '--version'], { encoding: 'utf8' });
      expect(out.trim()).toBe('9.8.7-test');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each([
    [['--help'], 0],
    [['help'], 0],
    [['--version'], 0],
    [['scale-workers', '--help'], 0],
    [[], 2],
    [['bogus'], 2],
  ])('%j exits %d', async (args, code) => {
    const r = await runBin('evalai-autoscaler', args, {});
    expect(r.code).toBe(code);
    if (code === 2) expect(r.stderr).not.toBe('');
  });
});

describe('the README\'s first command: evalai-autoscaler demo', () => {
  it('runs scale-workers dry, then for real, against its own sandbox, and exits 0', async () => {
    const r = await runBin('evalai-autoscaler', ['demo'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^scale-workers \(dry run\): 322 challenges, would start \d+, would stop \d+, .*; exit 0$/m);
    expect(r.stdout).toMatch(/^scale-workers: 322 challenges, start \d+, stop \d+, .*; exit 0$/m);
    expect(r.stdout).toMatch(/PUT \/api\/challenges\/\d+\/manage_worker\/start\/ -> 200/);
    expect(r.stdout).not.toContain('sandbox-staff-token');
  });
});
