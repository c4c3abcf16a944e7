import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/core/outcome.js';
import { countOutcomes, formatHuman, type RunReport } from '../../src/core/report.js';

function report(outcomes: Outcome[], dryRun = false): RunReport {
  return { command: 'cancel-stale', dryRun, startedAt: '', finishedAt: '', exitCode: 1, errors: [], ...countOutcomes(outcomes), outcomes };
}

const challengeOutcomes: Outcome[] = [
  { challengeId: 3, title: 'Idle', action: 'none', reason: 'no submission', status: 'unchanged' },
  { challengeId: 2, title: 'Broken', action: 'none', reason: 'submissions in running could not be listed', status: 'failed', error: 'not authorised' },
];
const submissionOutcomes: Outcome[] = [
  { challengeId: 1, title: 'Busy', submissionId: 10, action: 'cancel', reason: 'running for 15 d 3 h (threshold 14 d)', status: 'done' },
  { challengeId: 1, title: 'Busy', submissionId: 11, action: 'cancel', reason: 'status changed from running to finished since it was listed; not cancelled', status: 'skipped' },
  { challengeId: 2, title: 'Broken', submissionId: 12, action: 'cancel', reason: 'cancel refused', status: 'failed', error: 'HTTP 500' },
];

describe('reports with outcomes about single submissions (cancel-stale)', () => {
  it('counts challenges by distinct id and submissions apart', () => {
    const { counts, actions } = countOutcomes([...challengeOutcomes, ...submissionOutcomes]);
    expect(counts).toEqual({ challenges: 3, done: 0, planned: 0, unchanged: 1, skipped: 0, failed: 1, submissions: { total: 3, done: 1, planned: 0, unchanged: 0, skipped: 1, failed: 1 } });
    expect(actions).toEqual({ cancel: 1 });
  });

  it('names the submission on its line and summarises both levels', () => {
    const text = formatHuman(report([...challengeOutcomes, ...submissionOutcomes]), false);
    expect(text.split('\n')).toEqual([
      'challenge 2 "Broken": failed - submissions in running could not be listed: not authorised',
      'challenge 1 "Busy": submission 10: cancel - running for 15 d 3 h (threshold 14 d)',
      'challenge 2 "Broken": submission 12: failed - cancel refused: HTTP 500',
      'cancel-stale: 3 challenges, 1 unchanged, 1 handled by submission, 0 skipped, 1 failed; 3 submissions: cancel 1, 1 skipped, 1 failed; exit 1',
      '',
    ]);
  });

  it('dry run: would cancel', () => {
    const planned: Outcome[] = [{ challengeId: 1, submissionId: 10, action: 'cancel', reason: 'running for 15 d (threshold 14 d)', status: 'planned' }];
    expect(formatHuman(report(planned, true), false)).toContain('challenge 1: submission 10: would cancel - running for 15 d');
    expect(formatHuman(report(planned, true), false)).toContain('cancel-stale (dry run): 1 challenge, 0 unchanged, 1 handled by submission, 0 skipped, 0 failed; 1 submission: would cancel 1, 0 skipped, 0 failed; exit 1');
  });

  it('reports without submission outcomes read as before', () => {
    const text = formatHuman({ ...report(challengeOutcomes), command: 'scale-workers' }, true);
    expect(text).toContain('scale-workers: 2 challenges, 1 unchanged, 0 skipped, 1 failed; exit 1');
    expect(countOutcomes(challengeOutcomes).counts.submissions).toBeUndefined();
  });
});
