import { describe, expect, it } from 'vitest';
import { describeFetchError } from '../../src/runtime/fetch-error.js';

const fetchFailed = (cause: unknown): Error => Object.assign(new TypeError('fetch failed'), { cause });

describe('describeFetchError: why fetch() failed, from its cause', () => {
  it('a system error: its reason in words, the code and the address', () => {
    expect(describeFetchError(fetchFailed(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:8265'), { code: 'ECONNREFUSED' })))).toBe('connection refused (ECONNREFUSED 10.0.0.5:8265)');
    expect(describeFetchError(fetchFailed(Object.assign(new Error('getaddrinfo ENOTFOUND head.invalid'), { code: 'ENOTFOUND' })))).toBe('host not found (ENOTFOUND)');
  });
  it('an AggregateError (IPv4 and IPv6 both tried): the first one', () => {
    const agg = Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:8265'), { code: 'ECONNREFUSED' })]), {});
    expect(describeFetchError(fetchFailed(agg))).toBe('connection refused (ECONNREFUSED ::1:8265)');
  });
  it('an unknown code: the cause\'s own message', () => {
    expect(describeFetchError(fetchFailed(Object.assign(new Error('weird thing happened'), { code: 'EWEIRD' })))).toBe('weird thing happened');
  });
  it('no cause: the error itself', () => {
    expect(describeFetchError(new Error('boom'))).toBe('boom');
  });
});
