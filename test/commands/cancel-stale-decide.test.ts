import { describe, expect, it } from 'vitest';
import { decideSubmission, recheckDecision, referenceTime, statusesToList } from '../../src/commands/cancel-stale/decide.js';
import { auditIntent, cancellationNotice } from '../../src/commands/cancel-stale/notice.js';
import { cancelStalePolicy, type CancelStalePolicy } from '../../src/commands/cancel-stale/policy.js';
import { pendingFromMetrics, type PendingCount } from '../../src/core/pending.js';
import { submissionSchema } from '../../src/evalai/submissions.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { aChallenge, NOW } from '../builders.js';
import { aSubmission, submissionJson } from './submission-builders.js';

const policy = cancelStalePolicy({});
const withQueued = cancelStalePolicy({ includeQueued: true });

describe('decideSubmission: the decision table (NOW = 2026-11-22T12:00:00Z, threshold 14 d)', () => {
  const rows: Array<[string, Record<string, unknown>, CancelStalePolicy, 'cancel' | 'none', RegExp]> = [
    ['running 15 d 3 h (6-digit fraction, Z) -> cancel', {}, policy, 'cancel', /^running for 15 d 3 h \(threshold 14 d\)$/],
    ['submitted_at without a fraction -> cancel', { submitted_at: '2026-11-07T08:35:00Z' }, policy, 'cancel', /^running for 15 d 3 h \(threshold 14 d\)$/],
    ['submitted_at with +00:00 -> cancel', { submitted_at: '2026-11-07T08:35:00.5+00:00' }, policy, 'cancel', /15 d 3 h/],
    ['submitted_at with +05:30 (same instant) -> cancel', { submitted_at: '2026-11-07T14:05:00+05:30' }, policy, 'cancel', /15 d 3 h/],
    ['submitted_at with -07:00 -> cancel', { submitted_at: '2026-11-07T01:35:00.250-07:00' }, policy, 'cancel', /15 d 3 h/],
    ['13 d -> nothing', { submitted_at: '2026-11-09T12:00:00Z' }, policy, 'none', /^running for 13 d \(threshold 14 d\)$/],
    ['exactly 14 d -> nothing (strictly older only)', { submitted_at: '2026-11-08T12:00:00Z' }, policy, 'none', /running for 14 d/],
    ['14 d and 1 s -> cancel', { submitted_at: '2026-11-08T11:59:59Z' }, policy, 'cancel', /running for 14 d \(threshold 14 d\)/],
    ['submitted -> cancel', { status: 'submitted' }, policy, 'cancel', /^submitted for 15 d 3 h/],
    ['resuming -> cancel', { status: 'resuming', rerun_resumed_at: '2026-11-01T00:00:00Z' }, policy, 'cancel', /^resuming for 21 d 12 h since its re-run\/resume/],
    ['re-run 2 d ago keeps the old submitted_at: rerun_resumed_at wins -> nothing', { submitted_at: '2026-10-01T00:00:00.123456Z', rerun_resumed_at: '2026-11-20T11:00:00.654321Z' }, policy, 'none', /running for 2 d since its re-run\/resume/],
    ['re-run 20 d ago (no fraction) -> cancel', { submitted_at: '2026-10-01T00:00:00Z', rerun_resumed_at: '2026-11-02T12:00:00Z' }, policy, 'cancel', /running for 20 d since its re-run\/resume \(threshold 14 d\)/],
    ['queued without --include-queued -> nothing', { status: 'queued' }, policy, 'none', /--include-queued/],
    ['queued with --include-queued -> cancel', { status: 'queued' }, withQueued, 'cancel', /^queued for 15 d 3 h/],
    ['finished -> nothing', { status: 'finished' }, policy, 'none', /"finished" is not a status this run cancels/],
    ['reference time in the future -> nothing', { submitted_at: '2026-11-23T00:00:00Z' }, policy, 'none', /in the future/],
  ];
  it.each(rows)('%s', (_name, overrides, p, action, reason) => {
    const d = decideSubmission(aSubmission(overrides), p, NOW);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });

  it('publishes the numbers behind the decision', () => {
    const d = decideSubmission(aSubmission({ rerun_resumed_at: '2026-11-02T12:00:00Z' }), policy, NOW);
    expect(d.facts).toEqual({ submissionStatus: 'running', referenceField: 'rerun_resumed_at', referenceTime: '2026-11-02T12:00:00.000Z', ageSeconds: 20 * 86400, thresholdSeconds: 14 * 86400 });
  });

  it('--days 7 and --older-than 36h move the line', () => {
    const sevenDays = aSubmission({ submitted_at: '2026-11-14T11:00:00Z' });
    expect(decideSubmission(sevenDays, cancelStalePolicy({ days: 7 }), NOW).action).toBe('cancel');
    expect(decideSubmission(sevenDays, policy, NOW).action).toBe('none');
    expect(decideSubmission(aSubmission({ submitted_at: '2026-11-20T23:00:00Z' }), cancelStalePolicy({ olderThanMs: 36 * 3_600_000 }), NOW).action).toBe('cancel');
  });
});

describe('referenceTime', () => {
  it('is rerun_resumed_at when set, else submitted_at', () => {
    expect(referenceTime(aSubmission()).field).toBe('submitted_at');
    expect(referenceTime(aSubmission({ rerun_resumed_at: '2026-11-20T00:00:00Z' })).field).toBe('rerun_resumed_at');
  });
});

describe('the submission schema (contract §1.5, §3.2)', () => {
  it.each([
    ['2026-11-07T08:35:00.123456Z'],
    ['2026-11-07T08:35:00Z'],
    ['2026-11-07T08:35:00+00:00'],
    ['2026-11-07T10:35:00.1+02:00'],
  ])('accepts %s', (submitted_at) => {
    expect(submissionSchema.safeParse(submissionJson({ submitted_at })).success).toBe(true);
  });
  it.each([
    ['a datetime without an offset', { submitted_at: '2026-11-07T08:35:00' }],
    ['garbage', { submitted_at: 'yesterday' }],
    ['a missing rerun_resumed_at (a re-run would look as old as its original)', { rerun_resumed_at: undefined }],
    ['a non-numeric id', { id: '45678' }],
  ])('refuses %s', (_name, overrides) => {
    expect(submissionSchema.safeParse(submissionJson(overrides)).success).toBe(false);
  });
  it('keeps the datetimes exactly as sent, and tolerates a missing environment_log_file (staff)', () => {
    const s = aSubmission({ rerun_resumed_at: '2026-11-02T12:00:00Z' });
    expect(s.sent).toEqual({ submittedAt: '2026-11-07T08:35:00.000001Z', rerunResumedAt: '2026-11-02T12:00:00Z', startedAt: '2026-11-07T09:00:00.123456Z' });
    expect(s.environmentLogFile).toBeUndefined();
  });
});

describe('statusesToList: metrics first', () => {
  const counts = (m: Record<string, number>): PendingCount => {
    const r = pendingFromMetrics(m);
    if (!r.ok) throw new Error(r.problem);
    return r.pending;
  };
  it('lists only the candidate statuses that have a submission', () => {
    expect(statusesToList(counts({ running: 2, submitted: 0, resuming: 0, queued: 3, finished: 40 }), policy)).toEqual(['running']);
    expect(statusesToList(counts({ running: 2, submitted: 1, resuming: 1, queued: 3 }), withQueued)).toEqual(['submitted', 'running', 'resuming', 'queued']);
  });
  it('lists nothing for an idle challenge', () => {
    expect(statusesToList(counts({ running: 0, submitted: 0, resuming: 0, queued: 5, finished: 9 }), policy)).toEqual([]);
  });
  it('lists every candidate status without metrics (token not staff)', () => {
    expect(statusesToList(null, policy)).toEqual(['submitted', 'running', 'resuming']);
  });
});

describe('recheckDecision: re-read just before cancelling', () => {
  const listed = aSubmission();
  const rows: Array<[string, ReturnType<typeof aSubmission> | null, 'cancel' | 'skip', RegExp]> = [
    ['unchanged and still stale -> cancel', aSubmission(), 'cancel', /running for 15 d 3 h/],
    ['gone from the listing -> skip', null, 'skip', /no longer in the challenge's "running" listing/],
    ['finished meanwhile -> skip', aSubmission({ status: 'finished' }), 'skip', /status changed from running to finished since it was listed/],
    ['now resuming -> skip', aSubmission({ status: 'resuming' }), 'skip', /status changed from running to resuming/],
    ['resumed meanwhile (new rerun_resumed_at) -> skip', aSubmission({ rerun_resumed_at: '2026-11-22T11:59:00Z' }), 'skip', /no longer stale: running for 1 min/],
    ['another phase (not this challenge\'s submission) -> skip', aSubmission({ challenge_phase: 99 }), 'skip', /phase 99/],
  ];
  it.each(rows)('%s', (_name, fresh, action, reason) => {
    const d = recheckDecision(listed, fresh, policy, NOW);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });
});

describe('cancelStalePolicy', () => {
  it('defaults to 14 d over submitted/running/resuming', () => {
    expect(cancelStalePolicy({})).toEqual({ thresholdMs: 14 * 86_400_000, statuses: ['submitted', 'running', 'resuming'] });
  });
  it('--days and --include-queued', () => {
    expect(cancelStalePolicy({ days: 7, includeQueued: true })).toEqual({ thresholdMs: 7 * 86_400_000, statuses: ['submitted', 'running', 'resuming', 'queued'] });
  });
  it('refuses --older-than with --days, and thresholds under a day', () => {
    expect(() => cancelStalePolicy({ days: 7, olderThanMs: 7 * 86_400_000 })).toThrow(ConfigError);
    expect(() => cancelStalePolicy({ olderThanMs: 14 * 60_000 })).toThrow(/14 min is shorter than 1 d/);
  });
});

describe('what is posted and audited', () => {
  const s = aSubmission({ stdout_file: 'https://files.example/o.txt', environment_log_file: 'https://files.example/env.txt' });
  it('the stderr text says who, when, why: previous status, age, threshold', () => {
    expect(cancellationNotice(s, policy, NOW)).toBe(
      'Cancelled automatically by evalai-autoscaler cancel-stale at 2026-11-22T12:00:00Z: the submission had been "running" for 15 d 3 h ' +
        '(since submitted_at 2026-11-07T08:35:00.000001Z), longer than the 14 d allowed for submissions in submitted/running/resuming. ' +
        "Its previous stdout, stderr and result files are recorded in the operators' audit log.\n",
    );
  });
  it('the audit intent keeps the previous status, timestamps, age, threshold and file URLs', () => {
    const intent = auditIntent({ run: 'r1', origin: 'https://eval.ai', challenge: aChallenge({ id: 12, title: 'T' }), submission: s, policy, now: NOW, recheckedBy: 'listing', stderrPosted: 'x' });
    expect(intent).toEqual({
      event: 'about-to-cancel',
      time: '2026-11-22T12:00:00Z',
      run: 'r1',
      origin: 'https://eval.ai',
      challengeId: 12,
      challengeTitle: 'T',
      submissionId: 45678,
      phaseId: 7,
      previousStatus: 'running',
      submittedAt: '2026-11-07T08:35:00.000001Z',
      rerunResumedAt: null,
      startedAt: '2026-11-07T09:00:00.123456Z',
      referenceField: 'submitted_at',
      ageSeconds: 1_308_300,
      age: '15 d 3 h',
      thresholdSeconds: 1_209_600,
      threshold: '14 d',
      recheckedBy: 'listing',
      stdoutFile: 'https://files.example/o.txt',
      stderrFile: 'https://files.example/45678/stderr.txt',
      resultFile: 'https://files.example/45678/result.json',
      environmentLogFile: 'https://files.example/env.txt',
      stderrPosted: 'x',
    });
  });
});
