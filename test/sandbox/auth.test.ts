import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, fakeClock } from './http.js';

const LIST = '/api/challenges/challenge/all/all/all';
const SUBMISSIONS = `/api/jobs/challenge/${SEEDED.staleSubmissions}/submission/`;
const INVALID = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'RefreshToken', token_type: 'refresh', message: 'Token is invalid or expired' }],
};

describe('authentication (§1.2)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('rejects unknown and expired tokens even on public endpoints', async () => {
    for (const token of ['not-a-token', sb.tokens.expired, 'None']) {
      const res = await call(sb, 'GET', LIST, { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      expect(res.body).toEqual(INVALID);
    }
  });

  it('says a blacklisted token is blacklisted', async () => {
    const res = await call(sb, 'GET', SUBMISSIONS, { token: sb.tokens.blacklisted });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ ...INVALID, messages: [{ ...INVALID.messages[0], message: 'Token is blacklisted' }] });
  });

  it('rejects "Bearer " and three-part headers as bad_authorization_header', async () => {
    for (const header of ['Bearer ', 'Bearer a b']) {
      const res = await call(sb, 'GET', LIST, { headers: { Authorization: header } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        detail: 'Authorization header must contain two space-delimited values',
        code: 'bad_authorization_header',
      });
    }
  });

  it('asks for credentials on auth-required endpoints, and 403s unverified emails', async () => {
    const anon = await call(sb, 'GET', SUBMISSIONS);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(anon.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    // The unverified user hosts team 1, yet HasVerifiedEmail runs before the view.
    const unverified = await call(sb, 'PUT', `/api/challenges/${SEEDED.activePendingNoWorker}/manage_worker/start/`, {
      token: sb.tokens.unverified,
    });
    expect(unverified.status).toBe(403);
    expect(unverified.body).toEqual({ detail: 'Please verify your email!' });
  });

  it('reports inactive users and legacy Token keys', async () => {
    const inactive = await call(sb, 'GET', LIST, { token: 'sandbox-inactive-token' });
    expect(inactive.body).toEqual({ detail: 'User is inactive', code: 'user_inactive' });
    const legacy = await call(sb, 'GET', LIST, { headers: { Authorization: 'Token 0123456789abcdef0123456789abcdef01234567' } });
    expect(legacy.status).toBe(401);
    expect(legacy.body).toEqual({ detail: 'Invalid token' });
    const other = await call(sb, 'GET', LIST, { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
    expect(other.status).toBe(200);
  });
});

describe('Lambda shared-secret auth (§1.2, §2.6, §2.15)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());
  const path = `/api/challenges/challenge/${SEEDED.activeBusyWorker}/pending_submission_count/`;

  it('accepts only the LAMBDA_AUTH_TOKEN', async () => {
    const ok = await call(sb, 'GET', path, { token: sb.tokens.lambda });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      challenge_pk: SEEDED.activeBusyWorker,
      pending_submissions: 3,
      status_counts: { running: 1, submitted: 2, queued: 0, resuming: 0 },
    });
    const none = await call(sb, 'GET', path);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: 'Missing or invalid Authorization header.' });
    const user = await call(sb, 'GET', path, { token: sb.tokens.staff });
    expect(user.status).toBe(403);
    expect(user.body).toEqual({ error: 'Invalid auth token.' });
    expect((await call(sb, 'GET', '/api/challenges/challenge/99999/pending_submission_count/', { token: sb.tokens.lambda })).body).toEqual({
      error: 'Challenge with pk 99999 not found.',
    });
  });

  it('answers 500 when the server has no LAMBDA_AUTH_TOKEN', async () => {
    const unset = await startSandbox({ lambdaToken: null });
    try {
      const res = await call(unset, 'GET', path, { token: 'anything' });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'Server misconfiguration: LAMBDA_AUTH_TOKEN not set.' });
    } finally {
      await unset.close();
    }
  });
});

describe('throttling (§1.3)', () => {
  it('shares one user budget across endpoints, 429 with Retry-After, recovers after the window', async () => {
    const clock = fakeClock();
    const sb = await startSandbox({ now: clock.now, throttleRatePerMinute: 3 });
    try {
      const token = sb.tokens.staff;
      expect((await call(sb, 'GET', SUBMISSIONS, { token })).status).toBe(200);
      clock.advance(10_000);
      expect((await call(sb, 'GET', `/api/challenges/${SEEDED.ec2Stopped}/get_ec2_instance_details/`, { token })).status).toBe(200);
      expect((await call(sb, 'PUT', `/api/challenges/${SEEDED.activeIdleWorker}/manage_worker/restart/`, { token })).status).toBe(200);
      const throttled = await call(sb, 'GET', SUBMISSIONS, { token });
      expect(throttled.status).toBe(429);
      // Oldest request 10 s ago: 50 s remain, shared by 1 available slot.
      expect(throttled.headers.get('retry-after')).toBe('50');
      expect(throttled.body).toEqual({ detail: 'Request was throttled. Expected available in 50 seconds.' });
      // Another user has their own budget; public endpoints do not throttle authenticated callers.
      expect((await call(sb, 'GET', SUBMISSIONS, { token: sb.tokens.host(SEEDED.teams.submissions) })).status).toBe(200);
      for (let i = 0; i < 5; i += 1) expect((await call(sb, 'GET', LIST, { token })).status).toBe(200);
      clock.advance(50_000);
      expect((await call(sb, 'GET', SUBMISSIONS, { token })).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('runs authentication and permissions before the throttle, and the method check after it', async () => {
    const sb = await startSandbox({ throttleRatePerMinute: 1 });
    try {
      const token = sb.tokens.participant;
      expect((await call(sb, 'GET', SUBMISSIONS, { token })).status).toBe(400);
      expect((await call(sb, 'GET', SUBMISSIONS)).status).toBe(401);
      expect((await call(sb, 'POST', SUBMISSIONS, { token })).status).toBe(429);
    } finally {
      await sb.close();
    }
  });

  it('can be disabled', async () => {
    const sb = await startSandbox({ throttleRatePerMinute: false });
    try {
      for (let i = 0; i < 61; i += 1) expect((await call(sb, 'GET', SUBMISSIONS, { token: sb.tokens.staff })).status).toBe(200);
    } finally {
      await sb.close();
    }
  });
});
