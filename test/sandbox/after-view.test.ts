import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LostAnswer } from '../../src/sandbox/faults.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './http.js';

const STALE = SEEDED.staleSubmissions;
const SUB = SEEDED.submissions.staleRunning;
const PUT_PATH = `/api/jobs/challenge/${STALE}/update_submission/`;
const form = { submission: String(SUB), submission_status: 'cancelled', stderr: 'bye' };

describe('after-view fault: the server acts, then the answer is lost or spoilt', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  const put = () => call(sb, 'PUT', PUT_PATH, { token: sb.tokens.staff, form });
  const status = () => sb.state.submissions.get(SUB)!.status;

  it.each<[LostAnswer, number | undefined, number, (text: string, contentType: string | null) => void]>([
    ['server-error', undefined, 500, (text) => expect(JSON.parse(text)).toHaveProperty('detail')],
    ['html', undefined, 200, (text, type) => expect([text.startsWith('<!DOCTYPE html>'), type]).toEqual([true, 'text/html; charset=utf-8'])],
    ['html', 502, 502, (text) => expect(text).toMatch(/502 Bad Gateway/)],
    ['truncated', undefined, 200, (text) => expect(() => JSON.parse(text) as unknown).toThrow()],
  ])('%s (status %s): the submission is cancelled, the client gets HTTP %i and no usable answer', async (answer, faultStatus, sent, check) => {
    sb.fault({ method: 'PUT', path: PUT_PATH, times: 1, fault: { kind: 'after-view', answer, ...(faultStatus ? { status: faultStatus } : {}) } });
    expect(status()).toBe('running');
    const res = await put();
    expect(res.status).toBe(sent);
    check(res.text, res.headers.get('content-type'));
    expect(status()).toBe('cancelled');
    expect(sb.requests.map((r) => [r.status, r.viewStatus])).toEqual([[sent, 200]]);
  });

  it('truncated keeps the first half of the view\'s own JSON', async () => {
    sb.fault({ method: 'PUT', path: PUT_PATH, times: 1, fault: { kind: 'after-view', answer: 'truncated' } });
    const text = (await put()).text;
    expect(text.length).toBeGreaterThan(10);
    expect('{"success":"Submission result has been successfully updated"}'.startsWith(text)).toBe(true);
  });

  it('reset: the submission is cancelled and the connection dropped without an answer', async () => {
    sb.fault({ method: 'PUT', path: PUT_PATH, times: 1, fault: { kind: 'after-view', answer: 'reset' } });
    await expect(put()).rejects.toThrow();
    expect(status()).toBe('cancelled');
    expect(sb.requests.map((r) => [r.status, r.viewStatus])).toEqual([[0, 200]]);
  });

  it('hang: the submission is cancelled and no answer comes until close()', async () => {
    sb.fault({ method: 'PUT', path: PUT_PATH, times: 1, fault: { kind: 'after-view', answer: 'hang' } });
    let settled = false;
    const hung = put().finally(() => (settled = true));
    // The view has run once the request is recorded with its view status (no timing involved).
    await vi.waitFor(() => expect(sb.requests[0]?.viewStatus).toBe(200), { timeout: 10_000, interval: 5 });
    expect(status()).toBe('cancelled');
    expect(settled).toBe(false);
    await sb.close();
    await expect(hung).rejects.toThrow();
    expect(sb.requests[0]!.status).toBe(0);
  });

  it('times: only the first matching request gets the spoilt answer', async () => {
    const list = '/api/challenges/challenge/all/all/all';
    sb.fault({ method: 'GET', path: list, times: 1, fault: { kind: 'after-view', answer: 'server-error', status: 503 } });
    expect((await call(sb, 'GET', list)).status).toBe(503);
    expect((await call(sb, 'GET', list)).status).toBe(200);
  });
});
