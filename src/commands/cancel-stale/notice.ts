import type { DateTime } from 'luxon';
import type { Challenge } from '../../core/challenge.js';
import type { Submission } from '../../core/submission.js';
import { formatDuration } from '../../runtime/duration.js';
import { referenceTime } from './decide.js';
import type { CancelStalePolicy } from './policy.js';

/**
 * The stderr text posted with the cancel. PUT update_submission replaces the submission's stdout,
 * stderr and result files (contract §2.12), so this is what the participant and the host see
 * afterwards: it says who cancelled, when, and why (previous status, age, threshold).
 */
export function cancellationNotice(s: Submission, policy: CancelStalePolicy, now: DateTime): string {
  const ref = referenceTime(s);
  const age = formatDuration(now.toMillis() - ref.time.toMillis());
  return (
    `Cancelled automatically by evalai-autoscaler cancel-stale at ${iso(now)}: ` +
    `the submission had been "${s.status}" for ${age} (since ${ref.field} ${ref.field === 'rerun_resumed_at' ? s.sent.rerunResumedAt : s.sent.submittedAt}), ` +
    `longer than the ${formatDuration(policy.thresholdMs)} allowed for submissions in ${policy.statuses.join('/')}. ` +
    `Its previous stdout, stderr and result files are recorded in the operators' audit log.\n`
  );
}

/** Written, and flushed to disk, before the PUT is sent: nothing about the submission is lost even if the run dies. */
export interface AuditIntent {
  event: 'about-to-cancel';
  time: string;
  run: string;
  /** The EvalAI origin (scheme, host, port) the cancel goes to: a later run reconciles only its own server's lines. */
  origin: string;
  challengeId: number;
  challengeTitle: string;
  submissionId: number;
  phaseId: number;
  previousStatus: string;
  submittedAt: string;
  rerunResumedAt: string | null;
  startedAt: string | null;
  referenceField: string;
  ageSeconds: number;
  age: string;
  thresholdSeconds: number;
  threshold: string;
  /** How the status was confirmed just before: by id (submission by pk) or from a fresh listing. */
  recheckedBy: 'id' | 'listing';
  /** The file URLs the submission had; the PUT replaces them. */
  stdoutFile: string | null;
  stderrFile: string | null;
  resultFile: string | null;
  environmentLogFile?: string | null;
  stderrPosted: string;
}

/** Written after the PUT: what became of the intent with the same run and submissionId. */
export interface AuditResult {
  event: 'cancelled' | 'cancel-failed' | 'cancel-unknown';
  time: string;
  run: string;
  challengeId: number;
  submissionId: number;
  /** EvalAI's answer (cancelled) or the error (failed, unknown). */
  detail: string;
}

/**
 * Written by a later run for an intent without a final line (no result line at all, or only
 * `cancel-unknown`): what a read of the submission showed. `run` is the intent's run (the join
 * key, with submissionId); `reconciledBy` the run that read it.
 */
export interface AuditReconciled {
  event: 'reconciled';
  time: string;
  run: string;
  reconciledBy: string;
  origin: string;
  challengeId: number;
  submissionId: number;
  /** `unknown`: the submission could not be read; the next run tries again. */
  result: 'cancelled' | 'not-cancelled' | 'unknown';
  /** The status read (absent when it could not be read, or a listing only showed "not cancelled"). */
  status?: string;
  /** How it was read: by id, from the cancelled listing, or from a later run's re-check in this log. */
  readBy?: 'id' | 'listing' | 'audit-log';
  detail: string;
}

export type AuditRecord = AuditIntent | AuditResult | AuditReconciled;

export function auditIntent(args: {
  run: string;
  origin: string;
  challenge: Challenge;
  submission: Submission;
  policy: CancelStalePolicy;
  now: DateTime;
  recheckedBy: 'id' | 'listing';
  stderrPosted: string;
}): AuditIntent {
  const { submission: s, policy, now } = args;
  const ref = referenceTime(s);
  const ageMs = now.toMillis() - ref.time.toMillis();
  return {
    event: 'about-to-cancel',
    time: iso(now),
    run: args.run,
    origin: args.origin,
    challengeId: args.challenge.id,
    challengeTitle: args.challenge.title,
    submissionId: s.id,
    phaseId: s.challengePhase,
    previousStatus: s.status,
    submittedAt: s.sent.submittedAt,
    rerunResumedAt: s.sent.rerunResumedAt,
    startedAt: s.sent.startedAt,
    referenceField: ref.field,
    ageSeconds: Math.floor(ageMs / 1000),
    age: formatDuration(ageMs),
    thresholdSeconds: Math.floor(policy.thresholdMs / 1000),
    threshold: formatDuration(policy.thresholdMs),
    recheckedBy: args.recheckedBy,
    stdoutFile: s.stdoutFile,
    stderrFile: s.stderrFile,
    resultFile: s.resultFile,
    ...(s.environmentLogFile !== undefined ? { environmentLogFile: s.environmentLogFile } : {}),
    stderrPosted: args.stderrPosted,
  };
}

function iso(t: DateTime): string {
  return t.toUTC().toISO({ suppressMilliseconds: true }) ?? t.toString();
}
