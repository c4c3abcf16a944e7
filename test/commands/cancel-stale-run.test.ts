import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditIntent, AuditResult } from '../../src/commands/cancel-stale/notice.js';
import { cancelStalePolicy } from '../../src/commands/cancel-stale/policy.js';
import { runCancelStale } from '../../src/commands/cancel-stale/run.js';
import type { Outcome } from '../../src/core/outcome.js';
import { systemClock, type RunContext } from '../../src/runtime/context.js';
import { EvalAIError } from '../../src/evalai/errors.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { ActionGuard } from '../../src/runtime/action-guard.js';
import { Deadline } from '../../src/runtime/deadline.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { silentLogger, testTransport } from '../evalai/fixtures.js';

const STALE = SEEDED.staleSubmissions;
const ids = SEEDED.submissions;
const EXPECTED_STALE = [ids.staleSubmitted, ids.staleRunning, ids.staleResuming, ids.staleWholeSecond, ids.staleOtherParticipant].sort();
const CANDIDATE_STATUSES = ['submitted', 'running', 'resuming'];

let sandbox: Sandbox;
let auditPath: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  auditPath = join(mkdtempSync(join(tmpdir(), 'cancel-stale-')), 'audit.jsonl');
});
afterEach(() => sandbox.close());

function run(opts: { token?: string; dryRun?: boolean; maxActions?: number; deadline?: Deadline; only?: number[]; includeQueued?: boolean; beforeThrottledCall?: () => Promise<void> } = {}) {
  const dryRun = opts.dryRun ?? false;
  const { transport, sleeps } = testTransport(sandbox.url, opts.token ?? sandbox.tokens.staff, { allowWrites: !dryRun, beforeThrottledCall: opts.beforeThrottledCall });
  const ctx: RunContext = { transport, logger: silentLogger, secrets: new Secrets(), now: systemClock, dryRun, concurrency: 4, maxPages: 10, only: opts.only ? new Set(opts.only) : undefined, deadline: opts.deadline ?? Deadline.never(), guard: new ActionGuard(opts.maxActions ?? 1000) };
  const result = runCancelStale(ctx, cancelStalePolicy({ includeQueued: opts.includeQueued }), { auditLogPath: auditPath });
  return { result, sleeps };
}

const submissionOutcomes = (outcomes: Outcome[]) => outcomes.filter((o) => o.submissionId !== undefined);
const idsWith = (outcomes: Outcome[], status: Outcome['status']) => submissionOutcomes(outcomes).filter((o) => o.status === status).map((o) => o.submissionId).sort();
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT');
const putIds = () => puts().filter((r) => r.status === 200).map((r) => Number((r.body as Record<string, string>).submission)).sort();
const listings = () => sandbox.requests.filter((r) => /^\/api\/jobs\/challenge\/\d+\/submission\/$/.test(r.path));
const byIdReads = () => sandbox.requests.filter((r) => r.path.startsWith('/api/jobs/submission/'));
const audit = () => readFileSync(auditPath, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditIntent | AuditResult);

/** Which challenges have a submission in which candidate status, from the sandbox's own state. */
function challengesWithCandidates(): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const s of sandbox.state.submissions.values()) {
    const challenge = sandbox.state.phases.get(s.challenge_phase)?.challenge;
    if (challenge === undefined || sandbox.state.challenges.get(challenge)?.is_disabled || !CANDIDATE_STATUSES.includes(s.status)) continue;
    out.set(challenge, (out.get(challenge) ?? new Set()).add(s.status));
  }
  return out;
}

describe('cancel-stale against the sandbox', () => {
  it('past the deadline no new cancellation starts, even within a challenge; the rest waits for the next run', async () => {
    const puts = () => sandbox.requests.filter((r) => r.method === 'PUT' && r.status === 200).length;
    // A deadline that passes as soon as one cancellation went through.
    const deadline = Object.assign(Deadline.never(), { expired: () => puts() >= 1 });
    const result = await run({ only: [SEEDED.staleSubmissions], deadline }).result;
    expect(puts()).toBe(1);
    expect(result.deadlineReached).toBe(true);
    expect(result.notReached).toBe(EXPECTED_STALE.length - 1);
    const { exitCodeFor } = await import('../../src/core/exit.js');
    expect(exitCodeFor(result)).toBe(5);
  });

  it('metrics first: lists only the statuses that have submissions, only for challenges that have any (dry run changes nothing)', async () => {
    const { result } = run({ dryRun: true });
    const r = await result;
    const expected = [...challengesWithCandidates()].flatMap(([c, statuses]) => [...statuses].map((s) => `${c}:${s}`)).sort();
    const listed = listings().map((l) => `${l.path.split('/')[4]}:${l.query.status}`).sort();
    expect(listed).toEqual(expected);
    expect(expected.length).toBeLessThan(40); // not 3 x 322 listings, as upstream
    expect(listed).not.toContain(`${SEEDED.activeIdleWorker}:submitted`);
    expect(sandbox.requests.filter((q) => q.path.includes('get_submission_metrics_by_pk')).length).toBe(SEEDED.listedChallenges);
    expect(idsWith(r.outcomes, 'planned')).toEqual(EXPECTED_STALE);
    expect(puts()).toEqual([]);
    expect(byIdReads()).toEqual([]);
    expect(existsSync(auditPath)).toBe(false);
    const idle = r.outcomes.find((o) => o.challengeId === SEEDED.activeIdleWorker);
    expect(idle).toMatchObject({ status: 'unchanged', reason: 'no submission in submitted/running/resuming per the metrics; nothing listed' });
    const fresh = r.outcomes.find((o) => o.challengeId === SEEDED.activeBusyWorker);
    expect(fresh).toMatchObject({ status: 'unchanged', reason: expect.stringMatching(/^3 in submitted\/running, none older than 14 d$/) });
    expect(r.outcomes.filter((o) => o.challengeId === STALE && o.submissionId === undefined)).toEqual([]);
  });

  it('staff token: cancels exactly the stale ones, re-checking each from a fresh listing just before its PUT, audited', async () => {
    sandbox.state.submissions.get(ids.staleRunning)!.stdout_file = 'https://evalai-sandbox.s3.amazonaws.com/media/submission_files/submission_90002/stdout.txt';
    const statusBefore = new Map<number, string>(EXPECTED_STALE.map((id) => [id, sandbox.state.submissions.get(id)!.status]));
    const r = await run({ only: [STALE] }).result;
    expect(idsWith(r.outcomes, 'done')).toEqual(EXPECTED_STALE);
    expect(putIds()).toEqual(EXPECTED_STALE);
    for (const id of EXPECTED_STALE) expect(sandbox.state.submissions.get(id)?.status).toBe('cancelled');
    for (const id of [ids.staleQueued, ids.freshSubmitted, ids.freshRunning, ids.rerunRecent]) expect(sandbox.state.submissions.get(id)?.status).not.toBe('cancelled');

    // Staff are not hosts of this challenge: one by-id read (401), then fresh listings.
    expect(byIdReads().map((q) => q.status)).toEqual([401]);
    // Each cancel right after a fresh listing of the status that submission had.
    for (const put of puts()) {
      const before = sandbox.requests[sandbox.requests.indexOf(put) - 1]!;
      const id = Number((put.body as Record<string, string>).submission);
      expect([before.path, before.query.status]).toEqual([`/api/jobs/challenge/${STALE}/submission/`, statusBefore.get(id)]);
    }

    const running = puts().find((p) => (p.body as Record<string, string>).submission === String(ids.staleRunning))!;
    expect(running.path).toBe(`/api/jobs/challenge/${STALE}/update_submission/`);
    expect((running.body as Record<string, string>).submission_status).toBe('cancelled');
    expect((running.body as Record<string, string>).stderr).toMatch(/^Cancelled automatically by evalai-autoscaler cancel-stale at .*: the submission had been "running" for (19 d 23 h|20 d) \(since submitted_at .*\), longer than the 14 d allowed/);
    const s = sandbox.state.submissions.get(ids.staleRunning)!;
    expect(sandbox.state.files.get(s.stderr_file!)).toBe((running.body as Record<string, string>).stderr);

    const lines = audit();
    expect(lines).toHaveLength(2 * EXPECTED_STALE.length);
    for (const id of EXPECTED_STALE) {
      const mine = lines.filter((l) => l.submissionId === id);
      expect(mine.map((l) => l.event)).toEqual(['about-to-cancel', 'cancelled']);
    }
    const intent = lines.find((l) => l.submissionId === ids.staleRunning && l.event === 'about-to-cancel') as AuditIntent;
    expect(intent).toMatchObject({
      challengeId: STALE,
      previousStatus: 'running',
      referenceField: 'submitted_at',
      threshold: '14 d',
      age: expect.stringMatching(/^(19 d 23 h|20 d)$/),
      recheckedBy: 'listing',
      stdoutFile: 'https://evalai-sandbox.s3.amazonaws.com/media/submission_files/submission_90002/stdout.txt',
      stderrPosted: (running.body as Record<string, string>).stderr,
    });
    expect(intent.submittedAt).toMatch(/\.\d{6}Z$/);
    const resuming = lines.find((l) => l.submissionId === ids.staleResuming && l.event === 'about-to-cancel') as AuditIntent;
    expect(resuming).toMatchObject({ previousStatus: 'resuming', referenceField: 'rerun_resumed_at' });
    expect(new Set(lines.map((l) => l.run)).size).toBe(1);
  });

  it('host token: metrics are staff-only, so every candidate status is listed; re-checks by id, each right before its PUT', async () => {
    const r = await run({ token: sandbox.tokens.host(SEEDED.teams.submissions), only: [STALE] }).result;
    expect(idsWith(r.outcomes, 'done')).toEqual(EXPECTED_STALE);
    expect(listings().map((l) => l.query.status)).toEqual(['submitted', 'running', 'resuming']);
    expect(byIdReads().map((q) => q.path).sort()).toEqual(EXPECTED_STALE.map((id) => `/api/jobs/submission/${id}`).sort());
    for (const put of puts()) {
      const before = sandbox.requests[sandbox.requests.indexOf(put) - 1]!;
      expect(before.path).toBe(`/api/jobs/submission/${(put.body as Record<string, string>).submission}`);
    }
    expect(audit().filter((l) => l.event === 'about-to-cancel').every((l) => (l as AuditIntent).recheckedBy === 'id')).toBe(true);
  });

  it('the client-side limiter is asked for the re-check and the cancel before the re-check: no pacing wait falls between them', async () => {
    /** For each pacing call: how many requests the server had received by then. */
    const pacedAt: number[] = [];
    for (const token of [sandbox.tokens.staff, sandbox.tokens.host(SEEDED.teams.submissions)]) {
      pacedAt.length = 0;
      sandbox.requests.length = 0;
      sandbox.state.submissions.forEach((s) => s.status === 'cancelled' && s.id !== ids.cancelledOld && (s.status = 'running'));
      await run({ token, only: [STALE], beforeThrottledCall: async () => void pacedAt.push(sandbox.requests.length) }).result;
      const putIndexes = sandbox.requests.flatMap((r, i) => (r.method === 'PUT' ? [i] : []));
      expect(putIndexes).toHaveLength(EXPECTED_STALE.length);
      for (const i of putIndexes) {
        expect(sandbox.requests[i - 1]!.method).toBe('GET'); // the re-check
        expect(pacedAt).not.toContain(i); // nothing paced after the re-check was answered
      }
      // Every throttled call was paced: listings + re-checks + cancels.
      const throttled = sandbox.requests.filter((r) => r.path.startsWith('/api/jobs/')).length;
      expect(pacedAt.length).toBe(throttled);
    }
  });

  it('re-check (fresh listing): a submission that finished between the listing and the cancel is not cancelled', async () => {
    // The first listing (status=submitted) is answered, then the worker finishes 90001.
    sandbox.fault({ path: `/api/jobs/challenge/${STALE}/submission/`, times: 1, fault: { kind: 'transform', fn: (body) => ((sandbox.state.submissions.get(ids.staleSubmitted)!.status = 'finished'), body) } });
    const r = await run({ only: [STALE] }).result;
    const skipped = r.outcomes.find((o) => o.submissionId === ids.staleSubmitted);
    expect(skipped).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/no longer in the challenge's "submitted" listing/) });
    expect(sandbox.state.submissions.get(ids.staleSubmitted)?.status).toBe('finished');
    expect(putIds()).not.toContain(ids.staleSubmitted);
    expect(putIds()).toEqual(EXPECTED_STALE.filter((id) => id !== ids.staleSubmitted));
    expect(audit().filter((l) => l.submissionId === ids.staleSubmitted)).toEqual([]);
  });

  it('re-check (by id): finished meanwhile -> "status changed", resumed meanwhile -> "no longer stale"', async () => {
    sandbox.fault({
      path: `/api/jobs/challenge/${STALE}/submission/`,
      times: 1,
      fault: {
        kind: 'transform',
        fn: (body) => {
          sandbox.state.submissions.get(ids.staleSubmitted)!.status = 'finished';
          sandbox.state.submissions.get(ids.staleWholeSecond)!.rerun_resumed_at = new Date();
          return body;
        },
      },
    });
    const r = await run({ token: sandbox.tokens.host(SEEDED.teams.submissions), only: [STALE] }).result;
    expect(r.outcomes.find((o) => o.submissionId === ids.staleSubmitted)).toMatchObject({ status: 'skipped', reason: 'status changed from submitted to finished since it was listed; not cancelled' });
    expect(r.outcomes.find((o) => o.submissionId === ids.staleWholeSecond)).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^no longer stale: submitted for \d+ s since its re-run\/resume/) });
    expect(putIds()).toEqual([ids.staleRunning, ids.staleResuming, ids.staleOtherParticipant].sort());
  });

  it('a 429 on the cancel is retried after its Retry-After', async () => {
    sandbox.fault({ method: 'PUT', path: `/api/jobs/challenge/${STALE}/update_submission/`, times: 1, fault: { kind: 'throttle', retryAfter: 7 } });
    const { result, sleeps } = run({ only: [STALE] });
    const r = await result;
    expect(sleeps).toContain(7000);
    expect(puts().map((p) => p.status)).toEqual([429, 200, 200, 200, 200, 200]);
    expect(idsWith(r.outcomes, 'done')).toEqual(EXPECTED_STALE);
  });

  it("one challenge's listing failing (400 not authorised, 429, 500) is reported; the others are still handled", async () => {
    sandbox.fault({ path: `/api/jobs/challenge/${SEEDED.activeBusyWorker}/submission/`, fault: { kind: 'status', status: 400, body: { error: 'Sorry, you are not authorized to make this request!' } } });
    sandbox.fault({ path: `/api/jobs/challenge/${SEEDED.activePendingNoWorker}/submission/`, fault: { kind: 'html', status: 500 } });
    sandbox.fault({ path: `/api/jobs/challenge/${SEEDED.endedDrainingWorker}/submission/`, fault: { kind: 'throttle', retryAfter: 3600 } });
    const r = await run().result;
    const failed = (pk: number) => r.outcomes.find((o) => o.challengeId === pk && o.submissionId === undefined);
    expect(failed(SEEDED.activeBusyWorker)).toMatchObject({ status: 'failed', reason: 'submissions in submitted/running could not be listed', error: expect.stringMatching(/not authorised \(HTTP 400\)/) });
    expect(failed(SEEDED.activePendingNoWorker)).toMatchObject({ status: 'failed', error: expect.stringMatching(/server error \(HTTP 500\)/) });
    expect(failed(SEEDED.endedDrainingWorker)).toMatchObject({ status: 'failed', error: expect.stringMatching(/throttled \(HTTP 429\)/) });
    expect(idsWith(r.outcomes, 'done')).toEqual(EXPECTED_STALE);
  });

  it('--include-queued also cancels the stale queued submission', async () => {
    const r = await run({ only: [STALE], includeQueued: true }).result;
    expect(idsWith(r.outcomes, 'done')).toEqual([...EXPECTED_STALE, ids.staleQueued].sort());
  });

  it('a refused cancel fails that submission only; the audit log says so', async () => {
    sandbox.fault({ method: 'PUT', path: `/api/jobs/challenge/${STALE}/update_submission/`, times: 1, fault: { kind: 'status', status: 400, body: { error: 'Sorry, you are not authorized to make this request!' } } });
    const r = await run({ only: [STALE] }).result;
    const failed = submissionOutcomes(r.outcomes).filter((o) => o.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ reason: expect.stringMatching(/^cancel refused; nothing changed/), error: expect.stringMatching(/HTTP 400/) });
    expect(idsWith(r.outcomes, 'done')).toHaveLength(EXPECTED_STALE.length - 1);
    const mine = audit().filter((l) => l.submissionId === failed[0]!.submissionId);
    expect(mine.map((l) => l.event)).toEqual(['about-to-cancel', 'cancel-failed']);
  });

  it('malformed submission data: that submission fails and is never cancelled', async () => {
    sandbox.fault({
      path: `/api/jobs/challenge/${STALE}/submission/`,
      fault: { kind: 'transform', fn: (b) => (b as Array<Record<string, unknown>>).map((s) => (s.id === ids.staleRunning ? { ...s, rerun_resumed_at: 'soon' } : s)) },
    });
    const r = await run({ only: [STALE] }).result;
    expect(r.outcomes.find((o) => o.submissionId === ids.staleRunning)).toMatchObject({ status: 'failed', reason: 'submission data cannot be trusted; not cancelled' });
    expect(putIds()).not.toContain(ids.staleRunning);
  });

  it('a token revoked mid-run stops the run; what was already cancelled is still reported and audited', async () => {
    sandbox.fault({
      method: 'PUT',
      path: `/api/jobs/challenge/${STALE}/update_submission/`,
      times: 1,
      fault: { kind: 'transform', fn: (body) => ((sandbox.state.users.find((u) => u.isStaff)!.tokenState = 'blacklisted'), body) },
    });
    const r = await run({ only: [STALE] }).result;
    expect(r.fatal).toBeInstanceOf(EvalAIError);
    expect((r.fatal as EvalAIError).kind).toBe('token-rejected');
    expect(submissionOutcomes(r.outcomes).map((o) => o.status)).toEqual(['done']);
    expect(putIds()).toHaveLength(1);
    expect(audit().map((l) => l.event)).toEqual(['about-to-cancel', 'cancelled']);
  });

  it('an audit log that cannot be opened is a configuration error before anything is sent', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cancel-stale-')), 'a-file');
    writeFileSync(file, '');
    auditPath = join(file, 'audit.jsonl');
    await expect(run().result).rejects.toThrow(ConfigError);
    expect(sandbox.requests).toEqual([]);
  });
});
