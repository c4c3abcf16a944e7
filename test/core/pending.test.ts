import { describe, expect, it } from 'vitest';
import { describePending, pendingFromMetrics } from '../../src/core/pending.js';

describe('pendingFromMetrics', () => {
  it('sums running + submitted + queued + resuming and ignores the other statuses', () => {
    const r = pendingFromMetrics({ running: 2, submitted: 1, queued: 3, resuming: 1, finished: 55, failed: 10, submitting: 7, cancelled: 1, archived: 0, partially_evaluated: 4 });
    expect(r).toEqual({ ok: true, pending: { total: 7, byStatus: { running: 2, submitted: 1, queued: 3, resuming: 1 } } });
  });
  it('counts absent keys as 0', () => {
    const r = pendingFromMetrics({ running: 1 });
    expect(r.ok && r.pending.total).toBe(1);
    expect(pendingFromMetrics({})).toMatchObject({ ok: true, pending: { total: 0 } });
  });
  it.each([
    ['negative', { running: -1 }, /"running" is -1/],
    ['fractional', { submitted: 1.5 }, /"submitted" is 1.5/],
    ['a string', { queued: '3' }, /"queued" is "3"/],
    ['null', { resuming: null }, /"resuming" is null/],
  ])('refuses a %s count', (_n, metrics, problem) => {
    const r = pendingFromMetrics(metrics);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(problem);
  });
  it('refuses non-objects', () => {
    expect(pendingFromMetrics([1, 2]).ok).toBe(false);
    expect(pendingFromMetrics(null).ok).toBe(false);
    expect(pendingFromMetrics('3').ok).toBe(false);
  });
  it('describes the breakdown for a human', () => {
    const r = pendingFromMetrics({ running: 2, submitted: 1 });
    expect(r.ok && describePending(r.pending)).toBe('3 pending (2 running, 1 submitted)');
  });
});
