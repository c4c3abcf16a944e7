import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin, type BinResult } from './harness.js';

const STALE = SEEDED.staleSubmissions;
const ids = SEEDED.submissions;
const EXPECTED_STALE = [ids.staleSubmitted, ids.staleRunning, ids.staleResuming, ids.staleWholeSecond, ids.staleOtherParticipant].sort();

let sandbox: Sandbox;
let home: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  home = mkdtempSync(join(tmpdir(), 'cancel-stale-home-'));
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined> = {}) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, HOME: home, EVALAI_AUTOSCALER_STATE_DIR: undefined, ...extra });
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT');
const cancelledIds = () => puts().filter((r) => r.status === 200).map((r) => Number((r.body as Record<string, string>).submission)).sort();

function expectNoSecret(r: BinResult, secret = sandbox.tokens.staff) {
  expect(r.stdout).not.toContain(secret);
  expect(r.stderr).not.toContain(secret);
}

describe('cancel-stale (the built bin, as cron runs it)', () => {
  it('--dry-run lists what would be cancelled and changes nothing', async () => {
    const r = await runBin('cancel-stale', ['--dry-run'], env());
    expect(r.code).toBe(0);
    for (const id of EXPECTED_STALE) expect(r.stdout).toMatch(new RegExp(`^challenge ${STALE} ".*": submission ${id}: would cancel - \\w+ for \\d+ d`, 'm'));
    expect(r.stdout).toMatch(/^cancel-stale \(dry run\): 322 challenges, 321 unchanged, 1 handled by submission, 0 skipped, 0 failed; 5 submissions: would cancel 5, 0 skipped, 0 failed; exit 0$/m);
    expect(puts()).toEqual([]);
    expect(existsSync(join(home, '.local/state/evalai-autoscaler/cancel-stale-audit.jsonl'))).toBe(false);
    expectNoSecret(r);
  });

  it('cancels the stale submissions, posts why, and appends to the default audit log in the state directory', async () => {
    const r = await runBin('cancel-stale', [], env());
    expect(r.code).toBe(0);
    expect(cancelledIds()).toEqual(EXPECTED_STALE);
    expect(puts().every((p) => p.path === `/api/jobs/challenge/${STALE}/update_submission/`)).toBe(true);
    expect((puts()[0]!.body as Record<string, string>).stderr).toMatch(/^Cancelled automatically by evalai-autoscaler cancel-stale/);
    expect(r.stdout).toMatch(new RegExp(`^challenge ${STALE} ".*": submission ${ids.staleRunning}: cancel - running for (19 d 23 h|20 d) \\(threshold 14 d\\)$`, 'm'));
    expect(r.stdout).toMatch(/^cancel-stale: 322 challenges, 321 unchanged, 1 handled by submission, 0 skipped, 0 failed; 5 submissions: cancel 5, 0 skipped, 0 failed; exit 0$/m);
    const auditFile = join(home, '.local/state/evalai-autoscaler/cancel-stale-audit.jsonl');
    const lines = readFileSync(auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.event).sort()).toEqual([...Array(5).fill('about-to-cancel'), ...Array(5).fill('cancelled')].sort());
    expect(lines.find((l) => l.submissionId === ids.staleRunning && l.event === 'about-to-cancel')).toMatchObject({ previousStatus: 'running', threshold: '14 d', challengeId: STALE });
    const logged = r.logs.filter((l) => l.msg === 'submission' && l.status === 'done').map((l) => l.submission);
    expect((logged as number[]).sort()).toEqual(EXPECTED_STALE);
    expectNoSecret(r);

    // A second run finds nothing left to cancel.
    sandbox.requests.length = 0;
    const again = await runBin('cancel-stale', ['--challenge', String(STALE)], env());
    expect(again.code).toBe(0);
    expect(puts()).toEqual([]);
  });

  it("one challenge's listing refused (400): reported, exit 1, the others still handled (--json, --audit-log)", async () => {
    sandbox.fault({ path: `/api/jobs/challenge/${SEEDED.activeBusyWorker}/submission/`, fault: { kind: 'status', status: 400, body: { error: 'Sorry, you are not authorized to make this request!' } } });
    const audit = join(home, 'audit', 'cancel.jsonl');
    const r = await runBin('cancel-stale', ['--json', '--audit-log', audit, '--challenge', `${STALE},${SEEDED.activeBusyWorker}`], env());
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { exitCode: number; counts: Record<string, unknown>; actions: Record<string, number>; outcomes: Array<Record<string, unknown>> };
    expect(report.exitCode).toBe(1);
    expect(report.actions).toEqual({ cancel: 5 });
    expect(report.counts).toMatchObject({ challenges: 2, failed: 1, submissions: { total: 5, done: 5, skipped: 0, failed: 0 } });
    expect(report.outcomes).toContainEqual(
      expect.objectContaining({ challengeId: SEEDED.activeBusyWorker, status: 'failed', error: expect.stringMatching(/not authorised \(HTTP 400\): Sorry, you are not authorized/) }),
    );
    expect(readFileSync(audit, 'utf8').trim().split('\n')).toHaveLength(10);
    expectNoSecret(r);
  });

  it.each([
    ['a bare number for --older-than', ['--older-than', '14'], /argument '14' is invalid\. expected a duration with a unit/],
    ['a threshold under a day', ['--older-than', '12h'], /configuration error: the threshold 12 h is shorter than 1 d/],
    ['both --days and --older-than', ['--days', '7', '--older-than', '7d'], /configuration error: give either --older-than or --days, not both/],
  ])('%s: exit 2 with one clear line, nothing sent', async (_n, args, message) => {
    const r = await runBin('cancel-stale', args, env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(sandbox.requests).toHaveLength(0);
  });
});
