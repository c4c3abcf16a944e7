/**
 * The rule "never retry a write after a network error unless the request provably never left":
 * against the sandbox's after-view fault, where the server has already acted when the answer is lost.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { LostAnswer } from '../../src/sandbox/faults.js';
import { EvalAIError, mayHaveActed } from '../../src/evalai/errors.js';
import { cancelSubmission, getSubmission } from '../../src/evalai/submissions.js';
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

const caught = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as EvalAIError,
  );
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT');

describe('writes after a lost answer', () => {
  it.each<[LostAnswer, string]>([
    ['reset', 'unreachable'],
    ['hang', 'unreachable'],
    ['server-error', 'server-error'],
    ['html', 'malformed-response'],
    ['truncated', 'malformed-response'],
  ])('a PUT the server acted on and answered with %s is sent once, and the error says it may have acted (%s)', async (answer, kind) => {
    const pk = SEEDED.activePendingNoWorker;
    sandbox.fault({ method: 'PUT', fault: { kind: 'after-view', answer } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.staff, { maxAttempts: 3, timeoutMs: answer === 'hang' ? 3_000 : 5_000 });
    const err = await caught(manageWorker(transport, pk, 'start'));
    expect(err).toBeInstanceOf(EvalAIError);
    expect(err.kind).toBe(kind);
    expect(mayHaveActed(err)).toBe(true);
    expect(puts().map((r) => r.viewStatus)).toEqual([200]);
    expect(sleeps).toEqual([]);
  });

  it('cancel: the submission was cancelled once, though the client saw only a reset', async () => {
    const id = SEEDED.submissions.staleRunning;
    sandbox.fault({ method: 'PUT', fault: { kind: 'after-view', answer: 'reset' } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { maxAttempts: 3 });
    const err = await caught(cancelSubmission(transport, { challengePk: SEEDED.staleSubmissions, submissionId: id, stderr: 'x' }));
    expect([err.kind, err.notSent]).toEqual(['unreachable', false]);
    expect(puts()).toHaveLength(1);
    expect(sandbox.state.submissions.get(id)!.status).toBe('cancelled');
  });

  it('a GET whose answer was lost is retried (reads are safe to repeat)', async () => {
    sandbox.fault({ method: 'GET', times: 2, fault: { kind: 'after-view', answer: 'reset' } });
    const { transport, sleeps } = testTransport(sandbox.url, sandbox.tokens.host(4), { maxAttempts: 3 });
    const s = await getSubmission(transport, SEEDED.submissions.freshRunning);
    expect(s.id).toBe(SEEDED.submissions.freshRunning);
    expect(sandbox.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('a refused connection never reached any server: notSent, the write may be retried, and it did not act', async () => {
    const { transport, sleeps } = testTransport('http://127.0.0.1:9', 'whatever-token', { maxAttempts: 2 });
    const err = await caught(manageWorker(transport, 1, 'start'));
    expect([err.kind, err.notSent, mayHaveActed(err)]).toEqual(['unreachable', true, false]);
    expect(sleeps).toHaveLength(1);
  });
});

describe('mayHaveActed', () => {
  const e = (kind: ConstructorParameters<typeof EvalAIError>[0], status?: number, notSent = false) => new EvalAIError(kind, 'x', 'y', status, notSent);
  it.each([
    ['a 400 domain refusal', e('rejected', 400), false],
    ['a 403', e('not-authorised', 403), false],
    ['a 404', e('not-found', 404), false],
    ['a 429', e('throttled', 429), false],
    ['a rejected token (401)', e('token-rejected', 401), false],
    ['a redirect not followed', e('redirect', 301), false],
    ['a connection refused', e('unreachable', undefined, true), false],
    ['a 500', e('server-error', 500), true],
    ['an HTML 200', e('malformed-response', 200), true],
    ['a reset or timeout after sending', e('unreachable'), true],
    ['something else entirely', new Error('boom'), true],
  ])('%s: %s', (_what, err, acted) => {
    expect(mayHaveActed(err)).toBe(acted);
  });
});

describe('a change the run held back after a signal', () => {
  it('was provably never sent: not "may have acted"', async () => {
    const { HaltedError } = await import('../../src/runtime/errors.js');
    expect(mayHaveActed(new HaltedError('SIGTERM received before it was carried out'))).toBe(false);
  });
});
