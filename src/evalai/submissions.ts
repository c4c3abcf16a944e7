import type { DateTime } from 'luxon';
import { z } from '../runtime/zod.js';
import type { Submission } from '../core/submission.js';
import { EvalAIError } from './errors.js';
import { paths } from './paths.js';
import type { Transport } from './transport.js';
import { parseEvalAIDateTime } from '../core/datetime.js';
import { describeIssues, validate } from './validate.js';

/** The statuses the submission list accepts as `?status=` (contract §2.11; case-sensitive). */
export const LISTABLE_STATUSES = ['submitted', 'running', 'queued', 'resuming', 'failed', 'cancelled', 'finished', 'submitting'] as const;
export type ListableStatus = (typeof LISTABLE_STATUSES)[number];

/** A file URL kept only for the audit log: tolerated when absent. */
const fileUrl = z.string().nullable().optional();

/** An EvalAI datetime (contract §1.5), checked here and kept as sent: the audit log records it verbatim. */
const dateTimeText = z.string().refine((text) => parseEvalAIDateTime(text) !== null, {
  message: 'not an ISO-8601 datetime with a UTC offset',
});

/**
 * The submission fields cancel-stale relies on (contract §3.2). The datetimes decide whether a
 * submission is cancelled, so they must parse; `rerun_resumed_at` must be present (null or a
 * datetime): without it a re-run would look as old as its original and be cancelled.
 */
export const submissionSchema = z.object({
  id: z.number().int().positive(),
  challenge_phase: z.number().int().positive(),
  status: z.string(),
  submitted_at: dateTimeText,
  rerun_resumed_at: dateTimeText.nullable(),
  started_at: dateTimeText.nullable().optional(),
  stdout_file: fileUrl,
  stderr_file: fileUrl,
  submission_result_file: fileUrl,
  environment_log_file: fileUrl,
});

/** One element of a submission list: a valid submission, or one whose data cannot be trusted. */
export type SubmissionEntry = { ok: true; submission: Submission } | { ok: false; id: number | null; error: EvalAIError };

/** Options of the user-throttled calls below. */
export interface ThrottledCallOptions {
  /**
   * The caller already waited for the client-side pacer (`transport.pace()`) for this call, so it is
   * not paced again: used to keep a re-check and the cancel that follows it back to back.
   */
  prepaced?: boolean;
}

/**
 * GET /api/jobs/challenge/{pk}/submission/?status=… (contract §2.11): a bare, unpaginated array of
 * every submission of the challenge in that status, across all phases. User-throttled. Staff or a
 * host of the challenge; anyone else gets 400 "not authorized" (a not-authorised error).
 */
export async function listSubmissions(
  transport: Transport,
  challengePk: number,
  status: ListableStatus,
  opts: ThrottledCallOptions = {},
): Promise<SubmissionEntry[]> {
  const endpoint = `submission list of challenge ${challengePk} (status ${status})`;
  const res = await transport.request({
    method: 'GET',
    path: paths.submissions(challengePk),
    endpoint,
    params: { status },
    throttled: !opts.prepaced,
  });
  const items = validate(z.array(z.unknown()), res.body, endpoint);
  return items.map((raw, index) => {
    const parsed = submissionSchema.safeParse(raw);
    const id = rawId(raw);
    if (parsed.success) return { ok: true, submission: toSubmission(parsed.data) };
    const where = id !== null ? `submission ${id}` : `element [${index}]`;
    return { ok: false, id, error: new EvalAIError('malformed-response', endpoint, `malformed ${where}: ${describeIssues(parsed.error)}`) };
  });
}

/**
 * GET /api/jobs/submission/{id} (contract Appendix A; no trailing slash). User-throttled. Only the
 * submission's creator or a host of its challenge may read it: staff who are not hosts get a 401
 * "not authorized to access this submission", which is NOT a token problem and maps to
 * `not-authorised` (see status-errors.ts), so callers fall back to a fresh listing.
 * 404 (the submission does not exist) maps to `not-found`.
 */
export async function getSubmission(transport: Transport, id: number, opts: ThrottledCallOptions = {}): Promise<Submission> {
  const endpoint = `submission ${id}`;
  const res = await transport.request({ method: 'GET', path: paths.submissionByPk(id), endpoint, throttled: !opts.prepaced });
  return toSubmission(validate(submissionSchema, res.body, endpoint));
}

export interface CancelRequest {
  challengePk: number;
  submissionId: number;
  /**
   * Posted as the submission's new stderr. PUT replaces stdout, stderr, the environment log and the
   * result file with what is posted (contract §2.12), so this text is what the participant will see.
   */
  stderr: string;
}

/**
 * PUT /api/jobs/challenge/{pk}/update_submission/ with `submission_status=cancelled` (contract
 * §2.12), form-encoded like the upstream client. The server checks neither the current status nor
 * that the submission belongs to challenge {pk}: callers re-check both just before. User-throttled.
 * Returns the server's message; HTTP errors throw.
 */
export async function cancelSubmission(transport: Transport, req: CancelRequest, opts: ThrottledCallOptions = {}): Promise<string> {
  const endpoint = `update_submission (cancel submission ${req.submissionId}) of challenge ${req.challengePk}`;
  const res = await transport.request({
    method: 'PUT',
    path: paths.updateSubmission(req.challengePk),
    endpoint,
    form: { submission: String(req.submissionId), submission_status: 'cancelled', stderr: req.stderr },
    throttled: !opts.prepaced,
  });
  const success = (res.body as { success?: unknown } | undefined)?.success;
  return typeof success === 'string' ? success : `HTTP ${res.status}`;
}

export function toSubmission(s: z.output<typeof submissionSchema>): Submission {
  return {
    id: s.id,
    challengePhase: s.challenge_phase,
    status: s.status,
    submittedAt: parsed(s.submitted_at),
    rerunResumedAt: s.rerun_resumed_at === null ? null : parsed(s.rerun_resumed_at),
    startedAt: s.started_at == null ? null : parsed(s.started_at),
    sent: { submittedAt: s.submitted_at, rerunResumedAt: s.rerun_resumed_at, startedAt: s.started_at ?? null },
    stdoutFile: s.stdout_file ?? null,
    stderrFile: s.stderr_file ?? null,
    resultFile: s.submission_result_file ?? null,
    ...(s.environment_log_file !== undefined ? { environmentLogFile: s.environment_log_file } : {}),
  };
}

/** Only called on text the schema has already checked. */
function parsed(text: string): DateTime {
  const dt = parseEvalAIDateTime(text);
  if (!dt) throw new Error(`internal error: datetime ${JSON.stringify(text)} passed validation but does not parse`);
  return dt;
}

function rawId(raw: unknown): number | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}
