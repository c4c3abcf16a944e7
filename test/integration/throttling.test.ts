/**
 * EvalAI's user-throttled endpoints share one budget of 60 calls a minute per user (contract §1.3):
 * the built bins wait out a 429's Retry-After when it fits in the deadline, and the commands of
 * one host share one --rate-limit budget through the state directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin } from './harness.js';

let sandbox: Sandbox;
let stateDir: string;
afterEach(() => sandbox.close());
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-throttle-'));
});

const env = (extra: Record<string, string> = {}) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, EVALAI_AUTOSCALER_STATE_DIR: stateDir, ...extra });
const ids = SEEDED.submissions;
const STALE = [ids.staleSubmitted, ids.staleRunning, ids.staleResuming, ids.staleWholeSecond, ids.staleOtherParticipant].sort();

/** The user-throttled endpoints of contract §1.3 that these commands call. */
const USER_THROTTLED = /^\/api\/jobs\/|\/manage_worker\/|\/manage_ec2_instance\/|\/get_ec2_instance_details\/|\/evaluation_cluster\//;

describe('throttling (contract §1.3)', () => {
  it('cancel-stale answered 429 "Expected available in 1 second" again and again waits each out and cancels everything', async () => {
    sandbox = await startSandbox();
    const list = `/api/jobs/challenge/${SEEDED.staleSubmissions}/submission/`;
    sandbox.fault({ path: list, times: 3, fault: { kind: 'throttle', retryAfter: 1 } });
    sandbox.fault({ method: 'PUT', times: 3, fault: { kind: 'throttle', retryAfter: 1 } });
    const r = await runBin('cancel-stale', ['--challenge', String(SEEDED.staleSubmissions)], env(), 60_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(sandbox.requests.filter((q) => q.status === 429)).toHaveLength(6);
    const cancelled = sandbox.requests.filter((q) => q.method === 'PUT' && q.status === 200).map((q) => Number((q.body as Record<string, string>).submission));
    expect(cancelled.sort()).toEqual(STALE);
    for (const id of STALE) expect(sandbox.state.submissions.get(id)!.status).toBe('cancelled');
  });

  it('two commands on one host with one token share --rate-limit: together they never send more than it in the minute', async () => {
    sandbox = await startSandbox({ throttleRatePerMinute: false });
    const flags = ['--rate-limit', '4', '--deadline', '20s']; // a wait of a minute never fits: refused at once
    const [a, b] = await Promise.all([runBin('cancel-stale', flags, env()), runBin('scale-workers', flags, env())]);
    const throttled = sandbox.requests.filter((q) => USER_THROTTLED.test(q.path));
    // Both ran, and each alone wanted more than the budget: the shared budget is what held them.
    expect(a.stdout, a.stderr).toMatch(/^cancel-stale: /m);
    expect(b.stdout, b.stderr).toMatch(/^scale-workers: /m);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.length).toBeLessThanOrEqual(4);
    const first = throttled[0]!.at.getTime();
    expect(throttled.every((q) => q.at.getTime() - first < 60_000)).toBe(true);
    expect(`${a.stdout}${b.stdout}`).toMatch(/--rate-limit 4 a minute \(shared by the commands on this host\) has no room before the run's deadline/);
  });
});
