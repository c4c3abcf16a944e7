import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './http.js';

const LIST = '/api/challenges/challenge/all/all/all';

/** Resolves once `condition` holds, checked once per event-loop turn (the test timeout is the hang guard). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
const METRICS = `/api/challenges/challenge/get_submission_metrics_by_pk/${SEEDED.activeBusyWorker}/`;

describe('fault injection', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('status: custom status, body, content type and headers; skip and times', async () => {
    sb.fault({ path: LIST, skip: 1, times: 1, fault: { kind: 'status', status: 503, body: { detail: 'down' }, headers: { 'X-Why': 'test' } } });
    expect((await call(sb, 'GET', LIST)).status).toBe(200);
    const faulted = await call(sb, 'GET', LIST);
    expect(faulted.status).toBe(503);
    expect(faulted.body).toEqual({ detail: 'down' });
    expect(faulted.headers.get('x-why')).toBe('test');
    expect((await call(sb, 'GET', LIST)).status).toBe(200);
    sb.fault({ method: 'get', path: /metrics_by_pk/, fault: { kind: 'status', status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' } });
    const gateway = await call(sb, 'GET', METRICS, { token: sb.tokens.staff });
    expect(gateway.status).toBe(502);
    expect(gateway.headers.get('content-type')).toBe('text/html');
    sb.clearFaults();
    expect((await call(sb, 'GET', METRICS, { token: sb.tokens.staff })).status).toBe(200);
  });

  it('html, malformed-json, throttle and redirect', async () => {
    sb.fault({ path: LIST, times: 1, fault: { kind: 'html', status: 500 } });
    sb.fault({ path: LIST, skip: 1, times: 1, fault: { kind: 'malformed-json' } });
    sb.fault({ path: LIST, skip: 2, times: 1, fault: { kind: 'throttle', retryAfter: 7 } });
    sb.fault({ path: LIST, skip: 3, times: 1, fault: { kind: 'redirect', status: 302, location: 'https://evil.example/steal' } });
    const html = await call(sb, 'GET', LIST);
    expect([html.status, html.headers.get('content-type')]).toEqual([500, 'text/html; charset=utf-8']);
    const malformed = await call(sb, 'GET', LIST);
    expect(malformed.status).toBe(200);
    expect(malformed.headers.get('content-type')).toBe('application/json');
    expect(() => JSON.parse(malformed.text) as unknown).toThrow();
    const throttled = await call(sb, 'GET', LIST);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.body).toEqual({ detail: 'Request was throttled. Expected available in 7 seconds.' });
    const redirect = await call(sb, 'GET', LIST);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://evil.example/steal');
  });

  it('latency delays the normal response', async () => {
    sb.fault({ path: LIST, times: 1, fault: { kind: 'latency', ms: 60 } });
    const started = performance.now();
    expect((await call(sb, 'GET', LIST)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('reset destroys the socket; hang never answers until close()', async () => {
    sb.fault({ path: LIST, times: 1, fault: { kind: 'reset' } });
    await expect(call(sb, 'GET', LIST)).rejects.toThrow();
    sb.fault({ path: METRICS, fault: { kind: 'hang' } });
    let settled = false;
    const hung = call(sb, 'GET', METRICS, { token: sb.tokens.staff });
    hung.then(
      () => (settled = true),
      () => (settled = true),
    );
    // No race against a timer: once the sandbox has the hung request, a later request is answered
    // in full while the hung one still has no answer.
    await until(() => sb.requests.some((r) => r.path === METRICS));
    expect((await call(sb, 'GET', LIST)).status).toBe(200);
    expect(settled).toBe(false);
    await sb.close();
    await expect(hung).rejects.toThrow();
    expect(sb.requests.map((r) => [r.path, r.status])).toEqual([
      [LIST, 0],
      [METRICS, 0],
      [LIST, 200],
    ]);
  });

  it('transform rewrites the JSON body of the normal response', async () => {
    sb.fault({
      path: METRICS,
      fault: { kind: 'transform', fn: (body) => ({ ...(body as object), submitted: -3, running: '2' }) },
    });
    const res = await call(sb, 'GET', METRICS, { token: sb.tokens.staff });
    expect(res.body).toMatchObject({ submitted: -3, running: '2', queued: 0 });
  });

  it('foreign-next and looping-next rewrite the envelope next', async () => {
    sb.fault({ path: LIST, times: 1, fault: { kind: 'foreign-next', origin: 'https://attacker.example' } });
    sb.fault({ path: LIST, skip: 1, times: 1, fault: { kind: 'looping-next' } });
    expect((await call(sb, 'GET', LIST)).body).toMatchObject({ next: `https://attacker.example${LIST}?page=2` });
    expect((await call(sb, 'GET', `${LIST}?page=3`)).body).toMatchObject({ next: `${sb.url}${LIST}?page=3` });
  });

  it('records every request with its parsed body and status', async () => {
    sb.fault({ path: LIST, fault: { kind: 'status', status: 418 } });
    await call(sb, 'GET', `${LIST}?page=2`);
    await call(sb, 'PUT', `/api/jobs/challenge/${SEEDED.staleSubmissions}/update_submission/`, {
      token: sb.tokens.staff,
      json: { submission: SEEDED.submissions.staleQueued, submission_status: 'cancelled' },
    });
    expect(sb.requests).toHaveLength(2);
    expect(sb.requests[0]).toMatchObject({ method: 'GET', path: LIST, query: { page: '2' }, status: 418 });
    expect(sb.requests[1]).toMatchObject({
      method: 'PUT',
      status: 200,
      body: { submission: SEEDED.submissions.staleQueued, submission_status: 'cancelled' },
      headers: { authorization: `Bearer ${sb.tokens.staff}` },
    });
    expect(sb.requests[1]!.at).toBeInstanceOf(Date);
  });
});
