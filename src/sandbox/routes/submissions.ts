/**
 * Submission endpoints under /api/jobs/: the challenge's submission list (§2.11),
 * `update_submission` PUT/PATCH (§2.12) and one submission by id (Appendix A).
 */
import { challengeOfSubmission, getChallengeOr404, isHostOf, isHostOfPk, isStaff, submissionsOfChallenge } from '../access.js';
import { parseDjangoDatetime } from '../datetime.js';
import { writeSubmissionFile } from '../files.js';
import { errorReply, jsonReply, notFoundDetail, ServerCrash, textReply, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';
import { serializeSubmission } from '../serializers.js';
import type { SandboxSubmission } from '../state.js';

const NOT_AUTHORIZED = 'Sorry, you are not authorized to make this request!';
const LISTABLE_STATUSES = ['submitted', 'running', 'queued', 'resuming', 'failed', 'cancelled', 'finished', 'submitting'];

function parseDateParam(ctx: ViewContext, name: 'submitted_after' | 'submitted_before'): Date | null {
  const value = ctx.req.query[name];
  if (!value) return null;
  const date = parseDjangoDatetime(value);
  if (!date) throw errorReply(400, `Invalid datetime format for '${name}'`);
  return date;
}

function listSubmissions(ctx: ViewContext): Reply {
  const challenge = getChallengeOr404(ctx.state, ctx.params.pk!);
  const host = isHostOf(ctx.user, challenge);
  if (!isStaff(ctx.user) && !host) throw errorReply(400, NOT_AUTHORIZED);
  const status = ctx.req.query.status;
  if (status && !LISTABLE_STATUSES.includes(status)) throw errorReply(400, `Invalid submission status ${status}`);
  const after = parseDateParam(ctx, 'submitted_after');
  const before = parseDateParam(ctx, 'submitted_before');
  const submissions = submissionsOfChallenge(ctx.state, challenge.id)
    .filter((s) => !status || s.status === status)
    .filter((s) => !after || s.submitted_at > after)
    .filter((s) => !before || s.submitted_at < before);
  return jsonReply(200, submissions.map((s) => serializeSubmission(s, host)));
}

/** Python `str()` of a request value, as it appears in messages. */
function pyStr(value: unknown): string {
  if (value === undefined || value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `get_submission_model`: DRF NotFound; a non-integer pk raises inside the ORM (HTML 500). */
function getSubmissionOr404(ctx: ViewContext, value: unknown): SandboxSubmission {
  if (value !== undefined && value !== null && !/^\s*[+-]?\d+\s*$/.test(String(value))) {
    throw new ServerCrash(`ValueError: invalid literal for int() with base 10: '${pyStr(value)}'`);
  }
  const submission = value === undefined || value === null ? undefined : ctx.state.submissions.get(Number(value));
  if (!submission) throw notFoundDetail(`Submission ${pyStr(value)} does not exist`);
  return submission;
}

function text(data: Record<string, unknown>, key: string): string {
  const value = data[key];
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** For `finished`: the `result` JSON string must parse to a list (the public results). */
function publicResults(ctx: ViewContext, data: Record<string, unknown>): unknown[] {
  const phaseValue = data.challenge_phase;
  if (!ctx.state.phases.has(Number(phaseValue))) throw notFoundDetail(`Challenge Phase ${pyStr(phaseValue)} does not exist`);
  let results: unknown;
  try {
    results = typeof data.result === 'string' ? JSON.parse(data.result) : data.result;
  } catch {
    results = undefined;
  }
  if (!Array.isArray(results)) {
    throw errorReply(400, '`result` key contains invalid data. Please try again with correct format!');
  }
  return results;
}

function putSubmission(ctx: ViewContext, data: Record<string, unknown>): Reply {
  const submission = getSubmissionOr404(ctx, data.submission);
  const status = text(data, 'submission_status').toLowerCase();
  if (!['finished', 'failed', 'cancelled'].includes(status)) throw errorReply(400, 'Sorry, submission status is invalid');
  const results = status === 'finished' ? publicResults(ctx, data) : [];
  const id = submission.id;
  submission.status = status;
  submission.completed_at = ctx.now;
  submission.stdout_file = writeSubmissionFile(ctx.state, id, 'stdout.txt', text(data, 'stdout'));
  submission.stderr_file = writeSubmissionFile(ctx.state, id, 'stderr.txt', text(data, 'stderr'));
  submission.environment_log_file = writeSubmissionFile(ctx.state, id, 'environment_log.txt', text(data, 'environment_log'));
  submission.submission_result_file = writeSubmissionFile(ctx.state, id, 'submission_result.json', JSON.stringify(results));
  submission.submission_metadata_file = writeSubmissionFile(ctx.state, id, 'submission_metadata_file.json', text(data, 'metadata'));
  return jsonReply(200, { success: 'Submission result has been successfully updated' });
}

function patchSubmission(ctx: ViewContext, data: Record<string, unknown>): Reply {
  const submission = getSubmissionOr404(ctx, data.submission);
  const status = text(data, 'submission_status').toLowerCase();
  if (!['queued', 'running'].includes(status)) throw errorReply(400, 'Sorry, submission status is invalid');
  const jobName = data.job_name;
  if (jobName !== undefined && jobName !== null && jobName !== '') {
    submission.job_name = [...(submission.job_name ?? []), pyStr(jobName)];
  }
  submission.status = status;
  submission.started_at = ctx.now;
  return jsonReply(200, serializeSubmission(submission, isHostOfPk(ctx.user, ctx.state, Number(ctx.params.pk))));
}

function updateSubmission(ctx: ViewContext): Reply {
  // Staff or host of {pk}; the submission itself is never checked against {pk}.
  if (!isStaff(ctx.user) && !isHostOfPk(ctx.user, ctx.state, Number(ctx.params.pk))) {
    throw errorReply(400, NOT_AUTHORIZED);
  }
  const data = ctx.data();
  return ctx.method === 'PUT' ? putSubmission(ctx, data) : patchSubmission(ctx, data);
}

function submissionByPk(ctx: ViewContext): Reply {
  const id = ctx.params.id!;
  const submission = ctx.state.submissions.get(Number(id));
  if (!submission) throw errorReply(404, `Submission ${id} does not exist`);
  const challenge = challengeOfSubmission(ctx.state, submission);
  const host = isHostOf(ctx.user, challenge);
  if (ctx.user?.id !== submission.created_by && !host) {
    throw errorReply(401, 'Sorry, you are not authorized to access this submission.');
  }
  if (ctx.method === 'DELETE') {
    submission.ignore_submission = true;
    return textReply(204, '', 'application/json');
  }
  return jsonReply(200, serializeSubmission(submission, host));
}

export const submissionRoutes: RouteDef[] = [
  {
    name: 'get_submissions_for_challenge',
    pattern: /^\/api\/jobs\/challenge\/(?<pk>[0-9]+)\/submission\/$/,
    methods: ['GET'],
    auth: 'user',
    throttle: 'user',
    view: listSubmissions,
  },
  {
    name: 'update_submission',
    pattern: /^\/api\/jobs\/challenge\/(?<pk>[0-9]+)\/update_submission\/$/,
    methods: ['PUT', 'PATCH'],
    auth: 'user',
    throttle: 'user',
    view: updateSubmission,
  },
  {
    name: 'get_submission_by_pk',
    pattern: /^\/api\/jobs\/submission\/(?<id>[0-9]+)$/,
    methods: ['GET', 'DELETE'],
    auth: 'user',
    throttle: 'user',
    view: submissionByPk,
  },
];
