import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { EvalAIError } from '../../src/evalai/errors.js';
import { paths } from '../../src/evalai/paths.js';
import { getPendingSubmissions } from '../../src/evalai/metrics.js';
import { manageWorker } from '../../src/evalai/workers.js';
import { testTransport } from './fixtures.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ throttleRatePerMinute: false });
});
afterAll(() => sandbox.close());
afterEach(() => {
  sandbox.clearFaults();
  sandbox.requests.length = 0;
});

const list = paths.challengeList();
const get = (t: ReturnType<typeof testTransport>['transport'], path = list) => t.request({ method: 'GET', path, endpoint: 'test' });
const expectError = async (p: Promise<unknown>, kind: string, message?: RegExp) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EvalAIError);
  expect((err as EvalAIError).kind).toBe(kind);
  if (message) expect((err as EvalAIError).message).toMatch(message);
  return err as EvalAIError;
};

describe('Transport', () => {
  it('sends the bearer token and the exact path, and strips nothing else', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const res = await get(transport);
    expect(res.status).toBe(200);
    expect(sandbox.requests[0]?.headers.authorization).toBe(`Bearer ${sandbox.tokens.staff}`);
    expect(sandbox.requests[0]?.path).toBe('/api/challenges/challenge/all/all/all');
  });

  it('refuses to follow a redirect (the unslashed by-pk path gets a 301)', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(get(transport, '/api/challenges/challenge/1'), 'redirect', /301 redirect to \/api\/challenges\/challenge\/1\/, not followed/);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('retries a GET on 5xx with backoff, then succeeds', async () => {
    sandbox.fault({ path: list, times: 2, fault: { kind: 'status', status: 502, body: '<html><title>Bad Gateway</title></html>', contentType: 'text/html' } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff);
    expect((await get(transport)).status).toBe(200);
    expect(sandbox.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up after the attempts allowed and says what the server answered (HTML body)', async () => {
    sandbox.fault({ path: list, fault: { kind: 'html', status: 500 } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { maxAttempts: 2 });
    await expectError(get(transport), 'server-error', /server error \(HTTP 500\): HTML page/);
    expect(sandbox.requests).toHaveLength(2);
  });

  it('honours Retry-After on 429', async () => {
    sandbox.fault({ path: list, times: 1, fault: { kind: 'throttle', retryAfter: 7 } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff);
    expect((await get(transport)).status).toBe(200);
    expect(sleeps).toEqual([7000]);
  });

  it('does not wait for a Retry-After longer than allowed: throttled at once', async () => {
    sandbox.fault({ path: list, fault: { kind: 'throttle', retryAfter: 600 } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(get(transport), 'throttled', /Request was throttled/);
    expect(sleeps).toEqual([]);
  });

  it('waits out a Retry-After that fits in the run\'s time left, however long (no fixed cap)', async () => {
    sandbox.fault({ path: list, times: 1, fault: { kind: 'throttle', retryAfter: 37 } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff, { retryWaitBudgetMs: () => 120_000 });
    expect((await get(transport)).status).toBe(200);
    expect(sleeps).toEqual([37_000]);
  });

  it('does not wait for a Retry-After that would end past the deadline: throttled at once, saying so', async () => {
    sandbox.fault({ path: list, fault: { kind: 'throttle', retryAfter: 37 } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff, { retryWaitBudgetMs: () => 20_000 });
    await expectError(get(transport), 'throttled', /Expected available in 37 seconds.*not waited: .*run's deadline/);
    expect(sleeps).toEqual([]);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('429s are waited out beyond the attempts for errors: being throttled is not a failure of the server', async () => {
    sandbox.fault({ path: list, times: 4, fault: { kind: 'throttle', retryAfter: 1 } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff, { maxAttempts: 3, retryWaitBudgetMs: () => 60_000 });
    expect((await get(transport)).status).toBe(200);
    expect(sleeps).toEqual([1000, 1000, 1000, 1000]);
  });

  it('a signal during a Retry-After wait ends the wait: nothing more is sent', async () => {
    sandbox.fault({ path: list, fault: { kind: 'throttle', retryAfter: 30 } });
    let stop: (why: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, {
      retryWaitBudgetMs: () => 60_000,
      stopped,
      sleep: () => new Promise<void>(() => stop('SIGTERM received')), // a wait that only the signal ends
    });
    await expectError(get(transport), 'throttled', /not retried: SIGTERM received/);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('maps a connection reset, after retries, to unreachable', async () => {
    sandbox.fault({ path: list, fault: { kind: 'reset' } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(get(transport), 'unreachable', /EvalAI unreachable at http:\/\/127\.0\.0\.1:\d+: /);
    expect(sandbox.requests.length).toBe(3);
  });

  it('times out a hung request', async () => {
    sandbox.fault({ path: list, fault: { kind: 'hang' } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { timeoutMs: 150, maxAttempts: 1 });
    await expectError(get(transport), 'unreachable', /no answer within 0.15 s/);
  });

  it('maps an unreachable host to unreachable', async () => {
    const { transport } = testTransport('http://127.0.0.1:9', 'whatever-token', { maxAttempts: 1 });
    await expectError(get(transport), 'unreachable', /connection refused/);
  });

  it('never retries a PUT the server may have acted on (5xx), but retries after a 429', async () => {
    const pk = SEEDED.activePendingNoWorker;
    sandbox.fault({ method: 'PUT', fault: { kind: 'html', status: 500 } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(manageWorker(transport, pk, 'start'), 'server-error');
    expect(sandbox.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);

    sandbox.clearFaults();
    sandbox.requests.length = 0;
    sandbox.fault({ method: 'PUT', times: 1, fault: { kind: 'throttle', retryAfter: 2 } });
    await manageWorker(transport, pk, 'start');
    expect(sandbox.requests.filter((r) => r.method === 'PUT')).toHaveLength(2);
    expect(sleeps).toContain(2000);
  });

  it('refuses any write in a read-only (dry) run before it leaves the process', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { allowWrites: false });
    await expect(manageWorker(transport, 1, 'start')).rejects.toThrow(/read-only/);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('reports malformed JSON as a malformed response', async () => {
    sandbox.fault({ path: list, fault: { kind: 'malformed-json' } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(get(transport), 'malformed-response', /invalid JSON/);
  });
});

describe('error mapping (contract §1.2, §5.1)', () => {
  const metricsPath = () => paths.metricsByPk([...sandbox.state.challenges.keys()][0]!);

  it('an expired token is "token rejected", with the remedy', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.expired);
    const err = await expectError(get(transport), 'token-rejected', /Token is invalid or expired/);
    expect(err.message).toMatch(/profile page/);
  });

  it('a blacklisted token is "token rejected"', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.blacklisted);
    await expectError(get(transport), 'token-rejected', /blacklisted/);
  });

  it('an empty token is "token rejected" (bad authorization header)', async () => {
    const { transport } = testTransport(sandbox.url, '');
    await expectError(get(transport), 'token-rejected', /two space-delimited values/);
  });

  it('a non-staff token on the metrics endpoint is "not authorised" (403)', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.participant);
    await expectError(get(transport, metricsPath()), 'not-authorised', /HTTP 403.*not authorized/);
  });

  it('a non-staff token on manage_worker is "not authorised" (400)', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.participant);
    await expectError(manageWorker(transport, SEEDED.activePendingStoppedWorker, 'start'), 'not-authorised', /HTTP 400/);
  });

  it('an unknown challenge is "not found"', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(getPendingSubmissions(transport, 99_999_999), 'not-found', /does not exist/);
  });

  it('an unknown path is "not found" with an HTML hint', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(get(transport, '/api/nothing/here/'), 'not-found', /HTML page.*check API_HOST_URL/);
  });

  it('a negative count in the metrics is a malformed response naming the field', async () => {
    sandbox.fault({ path: /get_submission_metrics_by_pk/, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), running: -2 }) } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    await expectError(getPendingSubmissions(transport, [...sandbox.state.challenges.keys()][0]!), 'malformed-response', /"running" is -2/);
  });
});

describe('Transport after a stop signal', () => {
  it('sends no change once halted (the request never leaves), but still reads', async () => {
    const stop: { reason?: string } = {};
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { halted: () => stop.reason });
    stop.reason = 'SIGTERM received before it was carried out';
    const { HaltedError } = await import('../../src/runtime/errors.js');
    const err = await manageWorker(transport, SEEDED.activePendingNoWorker, 'start').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HaltedError);
    expect(sandbox.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect((await get(transport)).status).toBe(200);
  });
});
