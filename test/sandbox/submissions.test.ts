import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, fakeClock } from './http.js';

const LIST = `/api/jobs/challenge/${SEEDED.staleSubmissions}/submission/`;
const UPDATE = `/api/jobs/challenge/${SEEDED.staleSubmissions}/update_submission/`;
const S = SEEDED.submissions;
type Sub = Record<string, unknown> & { id: number; status: string };

describe('submission list (§2.11)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('returns a bare array; environment_log_file only for hosts', async () => {
    const staff = await call(sb, 'GET', `${LIST}?status=submitted`, { token: sb.tokens.staff });
    expect(staff.status).toBe(200);
    const subs = staff.body as Sub[];
    expect(Array.isArray(subs)).toBe(true);
    expect(subs.map((s) => s.id).sort()).toEqual(
      [S.staleSubmitted, S.staleWholeSecond, S.freshSubmitted, S.rerunRecent, S.staleOtherParticipant].sort(),
    );
    expect(subs[0]).not.toHaveProperty('environment_log_file');
    const host = (await call(sb, 'GET', `${LIST}?status=finished`, { token: sb.tokens.host(SEEDED.teams.submissions) })).body as Sub[];
    expect(host[0]).toHaveProperty('environment_log_file');
    expect(host[0]!.execution_time).toBeTypeOf('number');
  });

  it('renders datetimes with and without a fraction, and execution_time "None" when unstarted', async () => {
    const subs = (await call(sb, 'GET', `${LIST}?status=submitted`, { token: sb.tokens.staff })).body as Sub[];
    const whole = subs.find((s) => s.id === S.staleWholeSecond)!;
    expect(whole.submitted_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(whole.execution_time).toBe('None');
    const rerun = subs.find((s) => s.id === S.rerunRecent)!;
    expect(rerun.submitted_at).toMatch(/\.333000Z$/);
    expect(rerun.rerun_resumed_at).toMatch(/\.444000Z$/);
  });

  it('checks pk, then permission, then status and dates', async () => {
    const unknown = await call(sb, 'GET', '/api/jobs/challenge/99999/submission/', { token: sb.tokens.participant });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Challenge 99999 does not exist' });
    const participant = await call(sb, 'GET', LIST, { token: sb.tokens.participant });
    expect(participant.status).toBe(400);
    expect(participant.body).toEqual({ error: 'Sorry, you are not authorized to make this request!' });
    for (const status of ['archived', 'partially_evaluated', 'Submitted']) {
      const res = await call(sb, 'GET', `${LIST}?status=${status}`, { token: sb.tokens.staff });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: `Invalid submission status ${status}` });
    }
    const bad = await call(sb, 'GET', `${LIST}?submitted_before=yesterday`, { token: sb.tokens.staff });
    expect(bad.body).toEqual({ error: "Invalid datetime format for 'submitted_before'" });
  });

  it('filters strictly on submitted_after / submitted_before', async () => {
    const cutoff = new Date(Date.now() - 14 * 24 * 3600 * 1000).toISOString().replace('Z', '+00:00');
    const res = await call(sb, 'GET', `${LIST}?status=submitted&submitted_before=${encodeURIComponent(cutoff)}`, { token: sb.tokens.staff });
    expect((res.body as Sub[]).map((s) => s.id).sort()).toEqual(
      [S.staleSubmitted, S.staleWholeSecond, S.rerunRecent, S.staleOtherParticipant].sort(),
    );
    const after = await call(sb, 'GET', `${LIST}?submitted_after=${encodeURIComponent(cutoff)}`, { token: sb.tokens.staff });
    expect((after.body as Sub[]).map((s) => s.id).sort()).toEqual([S.freshSubmitted, S.freshRunning].sort());
  });
});

describe('update_submission (§2.12)', () => {
  let sb: Sandbox;
  const clock = fakeClock();
  beforeEach(async () => {
    sb = await startSandbox({ now: clock.now });
  });
  afterEach(() => sb.close());

  it('PUT (form) cancels, replaces every file with new URLs and sets completed_at', async () => {
    const before = { ...sb.state.submissions.get(S.finishedOld)! };
    const res = await call(sb, 'PUT', UPDATE, {
      token: sb.tokens.staff,
      form: { submission: String(S.finishedOld), submission_status: 'CANCELLED', stdout: 'bye' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: 'Submission result has been successfully updated' });
    const after = sb.state.submissions.get(S.finishedOld)!;
    expect(after.status).toBe('cancelled');
    expect(after.completed_at).toEqual(clock.now());
    expect(after.stdout_file).not.toBe(before.stdout_file);
    expect(sb.state.files.get(after.stdout_file!)).toBe('bye');
    expect(sb.state.files.get(after.stderr_file!)).toBe('');
    expect(sb.state.files.get(after.submission_result_file!)).toBe('[]');
    expect(after.environment_log_file).not.toBe(before.environment_log_file);
    expect(sb.requests.at(-1)!.body).toEqual({ submission: String(S.finishedOld), submission_status: 'CANCELLED', stdout: 'bye' });
  });

  it('PUT accepts JSON, does not check the submission belongs to {pk}, and validates status and id', async () => {
    const other = `/api/jobs/challenge/${SEEDED.activeIdleWorker}/update_submission/`;
    const res = await call(sb, 'PUT', other, {
      token: sb.tokens.host(SEEDED.teams.ecs),
      json: { submission: S.staleRunning, submission_status: 'failed' },
    });
    expect(res.status).toBe(200);
    expect(sb.state.submissions.get(S.staleRunning)!.status).toBe('failed');
    const invalid = await call(sb, 'PUT', UPDATE, { token: sb.tokens.staff, form: { submission: String(S.staleQueued), submission_status: 'running' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ error: 'Sorry, submission status is invalid' });
    const missing = await call(sb, 'PUT', UPDATE, { token: sb.tokens.staff, form: { submission: '123456', submission_status: 'cancelled' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Submission 123456 does not exist' });
    const participant = await call(sb, 'PUT', UPDATE, { token: sb.tokens.participant, form: { submission: String(S.staleQueued), submission_status: 'cancelled' } });
    expect(participant.status).toBe(400);
    const badJson = await call(sb, 'PUT', UPDATE, { token: sb.tokens.staff, raw: '{"submission": ', headers: { 'Content-Type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect((badJson.body as { detail: string }).detail).toMatch(/^JSON parse error - /);
  });

  it('PATCH accepts queued/running (sets started_at) and refuses cancelled', async () => {
    const ok = await call(sb, 'PATCH', UPDATE, {
      token: sb.tokens.host(SEEDED.teams.submissions),
      form: { submission: String(S.freshSubmitted), submission_status: 'running', job_name: 'job-1' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: S.freshSubmitted, status: 'running', job_name: ['job-1'] });
    expect(sb.state.submissions.get(S.freshSubmitted)!.started_at).toEqual(clock.now());
    const cancel = await call(sb, 'PATCH', UPDATE, { token: sb.tokens.staff, form: { submission: String(S.staleQueued), submission_status: 'cancelled' } });
    expect(cancel.status).toBe(400);
    expect(cancel.body).toEqual({ error: 'Sorry, submission status is invalid' });
    expect(sb.state.submissions.get(S.staleQueued)!.status).toBe('queued');
  });
});

describe('submission by id (Appendix A)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('serves the creator and hosts; staff who are not hosts get 401', async () => {
    const path = `/api/jobs/submission/${S.staleQueued}`;
    expect((await call(sb, 'GET', path, { token: sb.tokens.participant })).body).toMatchObject({ id: S.staleQueued, status: 'queued' });
    expect((await call(sb, 'GET', path, { token: sb.tokens.host(SEEDED.teams.submissions) })).status).toBe(200);
    const staff = await call(sb, 'GET', path, { token: sb.tokens.staff });
    expect(staff.status).toBe(401);
    expect(staff.headers.get('www-authenticate')).toBeNull();
    expect(staff.body).toEqual({ error: 'Sorry, you are not authorized to access this submission.' });
    const other = await call(sb, 'GET', `/api/jobs/submission/${S.staleOtherParticipant}`, { token: sb.tokens.participant });
    expect(other.status).toBe(401);
    expect((await call(sb, 'GET', '/api/jobs/submission/777777', { token: sb.tokens.staff })).body).toEqual({
      error: 'Submission 777777 does not exist',
    });
    expect((await call(sb, 'GET', `${path}/`, { token: sb.tokens.staff })).status).toBe(404);
  });
});
