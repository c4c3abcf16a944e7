import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin, type BinResult } from './harness.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined> = {}) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ...extra });
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
const workerPut = (pk: number, action: string) => `/api/challenges/${pk}/manage_worker/${action}/`;

function expectNoSecret(r: BinResult, secret = sandbox.tokens.staff) {
  expect(r.stdout).not.toContain(secret);
  expect(r.stderr).not.toContain(secret);
}

describe('stop-idle (the built bin, as cron runs it)', () => {
  it('--dry-run prints the plan and changes nothing', async () => {
    const r = await runBin('stop-idle', ['--dry-run'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^challenge ${SEEDED.endedIdleWorker} ".*": would delete - ended 3 d ago \\(grace 1 d\\), nothing pending$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^challenge ${SEEDED.unapprovedOldWorker} ".*": would delete - unapproved, created (9 d 23 h|10 d) ago \\(limit 2 d\\), nothing pending$`, 'm'));
    expect(r.stdout).toMatch(/^stop-idle \(dry run\): 322 challenges, would delete \d+, \d+ unchanged, \d+ skipped, 0 failed; exit 0$/m);
    expect(puts()).toEqual([]);
    expectNoSecret(r);
  });

  it('deletes idle workers, keeps draining ones', async () => {
    const r = await runBin('stop-idle', ['--log-level', 'debug'], env());
    expect(r.code).toBe(0);
    expect(puts()).toContain(workerPut(SEEDED.endedIdleWorker, 'delete'));
    expect(puts()).toContain(workerPut(SEEDED.unapprovedOldWorker, 'delete'));
    expect(puts().every((p) => p.endsWith('/delete/'))).toBe(true);
    expect(puts().filter((p) => p.includes(`/${SEEDED.endedDrainingWorker}/`))).toEqual([]);
    expect(sandbox.state.challenges.get(SEEDED.endedIdleWorker)?.workers).toBeNull();
    const draining = r.logs.find((l) => l.msg === 'decision' && l.challenge === SEEDED.endedDrainingWorker);
    expect(draining?.reason).toMatch(/^draining: .*2 submissions pending; worker kept until they finish$/);
    expectNoSecret(r);
  });

  it('pending unknown: the worker is kept, exit 1; --action stop for the unapproved one', async () => {
    sandbox.fault({ path: `/api/challenges/challenge/get_submission_metrics_by_pk/${SEEDED.endedIdleWorker}/`, fault: { kind: 'html', status: 502 } });
    const r = await runBin('stop-idle', ['--action', 'stop', '--retries', '0', '--challenge', `${SEEDED.endedIdleWorker},${SEEDED.unapprovedOldWorker}`], env());
    expect(r.code).toBe(1);
    expect(puts()).toEqual([workerPut(SEEDED.unapprovedOldWorker, 'stop')]);
    expect(r.stdout).toMatch(new RegExp(`^challenge ${SEEDED.endedIdleWorker} ".*": failed - ended 3 d ago \\(grace 1 d\\), but pending submissions are unknown; worker kept: .*HTTP 502`, 'm'));
    expect(sandbox.state.challenges.get(SEEDED.endedIdleWorker)?.workers).toBe(1);
  });

  it.each([
    ['an unknown --action', ['--action', 'nuke'], /argument 'nuke' is invalid\. Allowed choices are delete, stop/],
    ['a bare number for --grace', ['--grace', '1'], /expected a duration with a unit/],
  ])('%s: exit 2, nothing sent', async (_n, args, message) => {
    const r = await runBin('stop-idle', args, env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sandbox.requests).toHaveLength(0);
  });
});
