import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isEvalAIError } from '../../src/evalai/errors.js';
import { errorForStatus } from '../../src/evalai/status-errors.js';
import { cancelSubmission, getSubmission, listSubmissions } from '../../src/evalai/submissions.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { testTransport } from './fixtures.js';

const STALE = SEEDED.staleSubmissions;
const ids = SEEDED.submissions;
const hostToken = (s: Sandbox) => s.tokens.host(SEEDED.teams.submissions);

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('listSubmissions (GET /api/jobs/challenge/{pk}/submission/?status=)', () => {
  it('one call per status, a bare array, validated; the datetimes parse with and without a fraction', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const submitted = await listSubmissions(transport, STALE, 'submitted');
    const byId = new Map(submitted.map((e) => [e.ok ? e.submission.id : e.id, e]));
    expect([...byId.keys()].sort()).toEqual([ids.staleSubmitted, ids.staleWholeSecond, ids.freshSubmitted, ids.rerunRecent, ids.staleOtherParticipant].sort());
    const whole = byId.get(ids.staleWholeSecond);
    expect(whole?.ok && whole.submission.sent.submittedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const rerun = byId.get(ids.rerunRecent);
    expect(rerun?.ok && rerun.submission.rerunResumedAt).not.toBeNull();
    const requests = sandbox.requests.filter((r) => r.path === `/api/jobs/challenge/${STALE}/submission/`);
    expect(requests.map((r) => r.query)).toEqual([{ status: 'submitted' }]);
  });

  it('staff get no environment_log_file; hosts do', async () => {
    const staff = await listSubmissions(testTransport(sandbox.url, sandbox.tokens.staff).transport, STALE, 'running');
    const host = await listSubmissions(testTransport(sandbox.url, hostToken(sandbox)).transport, STALE, 'running');
    expect(staff.every((e) => e.ok && e.submission.environmentLogFile === undefined)).toBe(true);
    expect(host.every((e) => e.ok && e.submission.environmentLogFile !== undefined)).toBe(true);
  });

  it('a malformed element is an entry of its own; the others stay usable', async () => {
    sandbox.fault({
      path: `/api/jobs/challenge/${STALE}/submission/`,
      fault: { kind: 'transform', fn: (b) => (b as Array<Record<string, unknown>>).map((s) => (s.id === ids.staleRunning ? { ...s, submitted_at: '2026-11-02 06:42' } : s)) },
    });
    const entries = await listSubmissions(testTransport(sandbox.url, sandbox.tokens.staff).transport, STALE, 'running');
    const bad = entries.find((e) => !e.ok);
    expect(bad && !bad.ok && bad.id).toBe(ids.staleRunning);
    expect(bad && !bad.ok && bad.error.message).toMatch(/malformed submission 90002: field submitted_at: not an ISO-8601 datetime/);
    expect(entries.filter((e) => e.ok).length).toBe(1);
  });

  it('a host of another challenge: 400 not authorised (not a token problem)', async () => {
    const err = await thrown(listSubmissions(testTransport(sandbox.url, hostToken(sandbox)).transport, SEEDED.activeBusyWorker, 'running'));
    expect(isEvalAIError(err, 'not-authorised')).toBe(true);
  });
});

describe('getSubmission (GET /api/jobs/submission/{id}, no trailing slash)', () => {
  it('a host of the challenge reads it by id', async () => {
    const s = await getSubmission(testTransport(sandbox.url, hostToken(sandbox)).transport, ids.staleRunning);
    expect(s).toMatchObject({ id: ids.staleRunning, status: 'running' });
    expect(sandbox.requests.at(-1)?.path).toBe(`/api/jobs/submission/${ids.staleRunning}`);
  });

  it('staff who are not hosts get 401 "not authorized": not-authorised, NOT token-rejected', async () => {
    const err = await thrown(getSubmission(testTransport(sandbox.url, sandbox.tokens.staff).transport, ids.staleRunning));
    expect(isEvalAIError(err, 'not-authorised')).toBe(true);
    expect((err as Error).message).toMatch(/not authorized to access this submission/);
  });

  it('the 401 mapping holds with or without WWW-Authenticate', () => {
    const body = { error: 'Sorry, you are not authorized to access this submission.' };
    expect(errorForStatus('submission 1', 401, body, JSON.stringify(body), {}).kind).toBe('not-authorised');
    expect(errorForStatus('submission 1', 401, body, JSON.stringify(body), { 'www-authenticate': 'Bearer realm="api"' }).kind).toBe('not-authorised');
    const expired = { detail: 'Given token not valid for any token type', code: 'token_not_valid' };
    expect(errorForStatus('submission 1', 401, expired, JSON.stringify(expired), {}).kind).toBe('token-rejected');
  });

  it('an unknown id is not-found', async () => {
    const err = await thrown(getSubmission(testTransport(sandbox.url, hostToken(sandbox)).transport, 123456));
    expect(isEvalAIError(err, 'not-found')).toBe(true);
  });
});

describe('cancelSubmission (PUT update_submission/)', () => {
  it('posts submission, submission_status=cancelled and the stderr text, form-encoded; the server replaces the files', async () => {
    const stderr = 'Cancelled automatically: running for 20 d (threshold 14 d).\n';
    const message = await cancelSubmission(testTransport(sandbox.url, sandbox.tokens.staff).transport, { challengePk: STALE, submissionId: ids.staleRunning, stderr });
    expect(message).toBe('Submission result has been successfully updated');
    const put = sandbox.requests.find((r) => r.method === 'PUT')!;
    expect(put.path).toBe(`/api/jobs/challenge/${STALE}/update_submission/`);
    expect(put.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(put.body).toEqual({ submission: String(ids.staleRunning), submission_status: 'cancelled', stderr });
    const s = sandbox.state.submissions.get(ids.staleRunning)!;
    expect(s.status).toBe('cancelled');
    expect(sandbox.state.files.get(s.stderr_file!)).toBe(stderr);
  });
});
