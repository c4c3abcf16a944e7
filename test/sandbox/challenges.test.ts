import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, fakeClock, rawGet } from './http.js';

const LIST = '/api/challenges/challenge/all/all/all';

describe('challenge list (§2.1, §1.6)', () => {
  let sb: Sandbox;
  const clock = fakeClock();
  beforeEach(async () => {
    sb = await startSandbox({ now: clock.now });
  });
  afterEach(() => sb.close());

  it('pages through every non-disabled challenge, newest first, with absolute next/previous', async () => {
    const p1 = await call(sb, 'GET', LIST);
    expect(p1.status).toBe(200);
    expect(p1.headers.get('content-type')).toBe('application/json');
    const env = p1.body as { count: number; next: string; previous: null; results: { id: number }[] };
    expect(Object.keys(env)).toEqual(['count', 'next', 'previous', 'results']);
    expect(env.count).toBe(SEEDED.listedChallenges);
    expect(env.results).toHaveLength(150);
    expect(env.results[0]!.id).toBe(SEEDED.staleSubmissions);
    expect(env.results.some((c) => c.id === SEEDED.disabledWithWorker)).toBe(false);
    expect(env.next).toBe(`${sb.url}${LIST}?page=2`);
    expect(env.previous).toBeNull();

    const p2 = (await call(sb, 'GET', `${LIST}?page=2`)).body as typeof env;
    expect(p2.previous).toBe(`${sb.url}${LIST}`);
    expect(p2.next).toBe(`${sb.url}${LIST}?page=3`);
    const p3 = (await call(sb, 'GET', `${LIST}?page=last`)).body as { next: null; previous: string; results: unknown[] };
    expect(p3.next).toBeNull();
    expect(p3.previous).toBe(`${sb.url}${LIST}?page=2`);
    expect(p3.results).toHaveLength(SEEDED.listedChallenges - 300);
  });

  it('builds next from the Host header and X-Forwarded-Proto, keeping other params sorted', async () => {
    const res = await rawGet(sb, `${LIST}?zeta=a+b&page=1`, { Host: 'eval.ai', 'X-Forwarded-Proto': 'https' });
    expect((JSON.parse(res.body) as { next: string }).next).toBe(`https://eval.ai${LIST}?page=2&zeta=a+b`);
    const plain = await rawGet(sb, `${LIST}?page=2`, { Host: 'staging.eval.ai:8000' });
    expect((JSON.parse(plain.body) as { previous: string }).previous).toBe(`http://staging.eval.ai:8000${LIST}`);
  });

  it('answers 404 Invalid page for a bad or out-of-range page', async () => {
    for (const page of ['0', '4', 'x', '']) {
      const res = await call(sb, 'GET', `${LIST}?page=${page}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Invalid page.' });
    }
  });

  it('filters on time, approval and publication, and validates the segments', async () => {
    const past = (await call(sb, 'GET', '/api/challenges/challenge/past/all/all')).body as { results: { is_active: boolean }[] };
    expect(past.results.every((c) => !c.is_active)).toBe(true);
    const future = (await call(sb, 'GET', '/api/challenges/challenge/FUTURE/all/all')).body as { results: { id: number }[] };
    expect(future.results.map((c) => c.id)).toEqual([SEEDED.futureChallenge]);
    const unapproved = (await call(sb, 'GET', '/api/challenges/challenge/all/unapproved/private')).body as {
      results: { approved_by_admin: boolean; published: boolean }[];
    };
    expect(unapproved.results.length).toBeGreaterThan(0);
    expect(unapproved.results.every((c) => !c.approved_by_admin && !c.published)).toBe(true);
    expect((await call(sb, 'GET', '/api/challenges/challenge/now/all/all')).body).toEqual({ error: 'Wrong url pattern!' });
    expect((await call(sb, 'GET', '/api/challenges/challenge/all/yes/all')).body).toEqual({ error: 'Wrong challenge approval status!' });
    const bad = await call(sb, 'GET', '/api/challenges/challenge/all/all/open');
    expect(bad.status).toBe(406);
    expect(bad.body).toEqual({ error: 'Wrong challenge published status!' });
  });

  it('serializes §2.3 fields in order with DRF datetimes', async () => {
    const c = (await call(sb, 'GET', `/api/challenges/challenge/${SEEDED.activeIdleWorker}/`)).body as Record<string, unknown>;
    const keys = Object.keys(c);
    expect(keys.slice(0, 11)).toEqual([
      'id', 'title', 'short_description', 'description', 'terms_and_conditions', 'submission_guidelines',
      'evaluation_details', 'image', 'start_date', 'end_date', 'creator',
    ]);
    expect(keys.at(-1)).toBe('is_submission_paused');
    expect(keys).not.toContain('ec2_instance_id');
    expect(keys).not.toContain('is_disabled');
    expect(c.workers).toBe(1);
    expect(c.is_active).toBe(true);
    expect(c.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(c.creator).toEqual({ id: 1, team_name: 'Sandbox ECS Hosts', created_by: 'sandbox-host-1', team_url: '' });
    const ended = (await call(sb, 'GET', `/api/challenges/challenge/${SEEDED.endedIdleWorker}/`)).body as Record<string, string>;
    expect(ended.end_date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('answers 500 HTML for a page holding a challenge with a null end_date, other pages still work', async () => {
    sb.state.challenges.get(5)!.end_date = null;
    const p3 = await call(sb, 'GET', `${LIST}?page=3`);
    expect(p3.status).toBe(500);
    expect(p3.headers.get('content-type')).toContain('text/html');
    expect((await call(sb, 'GET', LIST)).status).toBe(200);
  });
});

describe('challenge by pk (§2.2) and phases', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('hides unapproved or private challenges from non-hosts (staff included) with 406', async () => {
    const path = `/api/challenges/challenge/${SEEDED.privateActivePending}/`;
    expect((await call(sb, 'GET', path)).body).toEqual({ error: 'Challenge does not exist!' });
    const staff = await call(sb, 'GET', path, { token: sb.tokens.staff });
    expect(staff.status).toBe(406);
    const host = await call(sb, 'GET', path, { token: sb.tokens.host(SEEDED.teams.ecs) });
    expect(host.status).toBe(200);
    expect((await call(sb, 'GET', '/api/challenges/challenge/99999/')).status).toBe(406);
  });

  it('says a disabled challenge was removed', async () => {
    const res = await call(sb, 'GET', `/api/challenges/challenge/${SEEDED.disabledWithWorker}/`, {
      token: sb.tokens.host(SEEDED.teams.ecs),
    });
    expect(res.status).toBe(406);
    expect(res.body).toEqual({ error: 'Sorry, the challenge was removed!' });
  });

  it('lists phases (no trailing slash) in a paginated envelope', async () => {
    const res = await call(sb, 'GET', `/api/challenges/challenge/${SEEDED.activeIdleWorker}/challenge_phase`);
    expect(res.status).toBe(200);
    const env = res.body as { count: number; results: Record<string, unknown>[] };
    expect(env.count).toBe(2);
    expect(env.results[0]).toEqual({ id: 3031, name: 'Dev Phase', challenge: 303, codename: 'dev-303' });
  });
});

describe('trailing slashes and unknown paths (§1.1)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('redirects an unslashed path that would match with a slash, relative Location, query kept', async () => {
    const res = await call(sb, 'PUT', `/api/challenges/${SEEDED.ec2Stopped}/manage_ec2_instance/start?x=1`, {
      token: sb.tokens.staff,
    });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`/api/challenges/${SEEDED.ec2Stopped}/manage_ec2_instance/start/?x=1`);
    expect(sb.state.ec2Instances.get(SEEDED.instances.stopped)!.state).toBe('stopped');
    expect((await call(sb, 'GET', '/api/challenges/challenge/5')).headers.get('location')).toBe('/api/challenges/challenge/5/');
  });

  it('answers 404 HTML for an extra slash, a double slash or an unknown path', async () => {
    for (const path of [`${LIST}/`, '/api/challenges/challenge/get_submission_metrics/', '//api/challenges/challenge/all/all/all', '/nope']) {
      const res = await call(sb, 'GET', path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
  });

  it('under DEBUG raises a 500 HTML RuntimeError for PUT to an unslashed path, GET still redirects', async () => {
    const dbg = await startSandbox({ debug: true });
    try {
      const put = await call(dbg, 'PUT', `/api/challenges/${SEEDED.ec2Stopped}/manage_ec2_instance/start`, {
        token: dbg.tokens.staff,
      });
      expect(put.status).toBe(500);
      expect(put.text).toContain('RuntimeError');
      expect(put.text).toContain('end in a slash and you have APPEND_SLASH set');
      expect((await call(dbg, 'GET', '/api/challenges/challenge/5')).status).toBe(301);
    } finally {
      await dbg.close();
    }
  });

  it('checks the method after authentication (405 with Allow)', async () => {
    const anon = await call(sb, 'POST', LIST);
    expect(anon.status).toBe(401);
    const authed = await call(sb, 'POST', LIST, { token: sb.tokens.staff });
    expect(authed.status).toBe(405);
    expect(authed.body).toEqual({ detail: 'Method "POST" not allowed.' });
    expect(authed.headers.get('allow')).toBe('GET, OPTIONS');
  });
});
