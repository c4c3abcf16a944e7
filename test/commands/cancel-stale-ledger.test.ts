import { describe, expect, it } from 'vitest';
import { openCancellations } from '../../src/commands/cancel-stale/audit-ledger.js';

const O = 'https://eval.ai';
const line = (event: string, run: string, submissionId: number, extra: Record<string, unknown> = {}) => JSON.stringify({ event, run, challengeId: 7, submissionId, origin: O, ...extra });
const open = (...lines: string[]) => openCancellations(lines.join('\n') + '\n');
const keys = (...lines: string[]) => open(...lines).open.map((o) => `${o.run}/${o.submissionId}/${o.last}`);

describe('open cancellations in the audit log', () => {
  it('final: cancelled, cancel-failed, reconciled cancelled / not-cancelled', () => {
    expect(keys(line('about-to-cancel', 'a', 1), line('cancelled', 'a', 1))).toEqual([]);
    expect(keys(line('about-to-cancel', 'a', 1), line('cancel-failed', 'a', 1))).toEqual([]);
    expect(keys(line('about-to-cancel', 'a', 1), line('cancel-unknown', 'a', 1), line('reconciled', 'a', 1, { result: 'cancelled' }))).toEqual([]);
    expect(keys(line('about-to-cancel', 'a', 1), line('reconciled', 'a', 1, { result: 'not-cancelled' }))).toEqual([]);
  });

  it('open: an intent alone, cancel-unknown, reconciled unknown', () => {
    expect(keys(line('about-to-cancel', 'a', 1, { previousStatus: 'running' }))).toEqual(['a/1/about-to-cancel']);
    expect(keys(line('about-to-cancel', 'a', 1), line('cancel-unknown', 'a', 1))).toEqual(['a/1/cancel-unknown']);
    expect(keys(line('about-to-cancel', 'a', 1), line('cancel-unknown', 'a', 1), line('reconciled', 'a', 1, { result: 'unknown' }))).toEqual(['a/1/reconciled']);
    expect(open(line('about-to-cancel', 'a', 1, { previousStatus: 'running' })).open[0]).toMatchObject({ challengeId: 7, origin: O, previousStatus: 'running' });
  });

  it('joined by run and submission: the same submission in two runs is two cancellations', () => {
    expect(keys(line('about-to-cancel', 'a', 1), line('cancelled', 'b', 1))).toEqual(['a/1/about-to-cancel']);
    expect(keys(line('about-to-cancel', 'a', 1), line('about-to-cancel', 'a', 2), line('cancelled', 'a', 2))).toEqual(['a/1/about-to-cancel']);
  });

  it("a later run's intent for the same submission on the same server supersedes an open one", () => {
    const l = open(line('about-to-cancel', 'a', 1), line('cancel-unknown', 'a', 1), line('about-to-cancel', 'b', 1, { previousStatus: 'submitted' }), line('cancelled', 'b', 1));
    expect(l.open).toMatchObject([{ run: 'a', supersededBy: { run: 'b', status: 'submitted' } }]);
    const otherServer = open(line('about-to-cancel', 'a', 1), line('about-to-cancel', 'b', 1, { origin: 'https://other.example' }));
    expect(otherServer.open.find((o) => o.run === 'a')?.supersededBy).toBeUndefined();
  });

  it('lines that are not records are counted and skipped', () => {
    const l = open('{"event":"about-to-cancel","run":"a","chall', 'not json', '[1,2]', line('nonsense', 'a', 1), line('about-to-cancel', 'a', 2));
    expect(l.unreadable).toBe(4);
    expect(l.open.map((o) => o.submissionId)).toEqual([2]);
  });
});
