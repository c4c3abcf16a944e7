import type { DateTime } from 'luxon';

/**
 * The fields of an EvalAI submission (contract §3.2) that cancel-stale reads, validated and typed.
 * `challengePhase` is the phase pk: the submission object does not name its challenge.
 */
export interface Submission {
  id: number;
  challengePhase: number;
  /** One of contract §3.1's statuses (any string the server sends; decisions compare exactly). */
  status: string;
  submittedAt: DateTime;
  /** Set on a re-run (the new row copies the old `submitted_at`) and on a resume. */
  rerunResumedAt: DateTime | null;
  startedAt: DateTime | null;
  /** The three datetimes exactly as EvalAI sent them (6-digit fractions kept), for the audit log. */
  sent: { submittedAt: string; rerunResumedAt: string | null; startedAt: string | null };
  /** File URLs the submission has now; a PUT update_submission replaces them (kept in the audit log). */
  stdoutFile: string | null;
  stderrFile: string | null;
  resultFile: string | null;
  /** Serialized only for hosts of the challenge (undefined for staff who are not hosts). */
  environmentLogFile?: string | null;
}
