/**
 * Endpoints for the AWS Lambdas, authenticated by the shared LAMBDA_AUTH_TOKEN instead of
 * DRF (contract §1.2, §2.6, §2.15): pending_submission_count, autoscale_meta,
 * autoscale_eligible_challenges and clear_worker_state.
 */
import { submissionsOfChallenge } from '../access.js';
import { renderPythonIsoformat } from '../datetime.js';
import { errorReply, jsonReply, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';
import { PENDING_STATUSES, type SandboxChallenge } from '../state.js';

const GRACE_PERIOD_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `_authenticate_lambda_request`. */
function checkLambdaAuth(ctx: ViewContext): void {
  const header = ctx.req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) throw errorReply(401, 'Missing or invalid Authorization header.');
  const expected = ctx.config.lambdaToken;
  if (!expected) throw errorReply(500, 'Server misconfiguration: LAMBDA_AUTH_TOKEN not set.');
  if (header.slice('Bearer '.length) !== expected) throw errorReply(403, 'Invalid auth token.');
}

/** Disabled challenges are not excluded. */
function lambdaChallenge(ctx: ViewContext): SandboxChallenge {
  const pk = ctx.params.pk!;
  const challenge = ctx.state.challenges.get(Number(pk));
  if (!challenge) throw errorReply(404, `Challenge with pk ${pk} not found.`);
  return challenge;
}

function pendingSubmissionCount(ctx: ViewContext): Reply {
  checkLambdaAuth(ctx);
  const challenge = lambdaChallenge(ctx);
  const counts: Record<string, number> = Object.fromEntries(PENDING_STATUSES.map((s) => [s, 0]));
  for (const s of submissionsOfChallenge(ctx.state, challenge.id)) {
    if (s.status in counts) counts[s.status] = counts[s.status]! + 1;
  }
  const pending = Object.values(counts).reduce((a, b) => a + b, 0);
  return jsonReply(200, { challenge_pk: challenge.id, pending_submissions: pending, status_counts: counts });
}

function autoscaleMeta(ctx: ViewContext): Reply {
  checkLambdaAuth(ctx);
  const c = lambdaChallenge(ctx);
  return jsonReply(200, {
    challenge_pk: c.id,
    is_docker_based: c.is_docker_based,
    remote_evaluation: c.remote_evaluation,
    is_static_dataset_code_upload: c.is_static_dataset_code_upload,
    end_date: renderPythonIsoformat(c.end_date),
    cluster_name: c.cluster?.name ?? null,
    nodegroup_name: c.cluster?.nodegroup_name ?? null,
    is_disabled: c.is_disabled,
    queue: c.queue,
    aws_region: c.aws_region,
    use_host_credentials: c.use_host_credentials,
    aws_account_id: c.aws_account_id,
    scale_up_cap: c.max_worker_instance || 1,
  });
}

function autoscaleEligibleChallenges(ctx: ViewContext): Reply {
  checkLambdaAuth(ctx);
  const cutoff = new Date(ctx.now.getTime() - GRACE_PERIOD_DAYS * DAY_MS);
  const pks = [...ctx.state.challenges.values()]
    .filter((c) => c.is_docker_based && !c.remote_evaluation && c.approved_by_admin && c.cluster !== null)
    .filter((c) => c.end_date === null || c.end_date >= cutoff)
    .map((c) => c.id)
    .sort((a, b) => a - b);
  return jsonReply(200, { challenge_pks: pks, count: pks.length });
}

function clearWorkerState(ctx: ViewContext): Reply {
  checkLambdaAuth(ctx);
  const challenge = lambdaChallenge(ctx);
  challenge.workers = null;
  challenge.task_def_arn = '';
  return jsonReply(200, {
    message: `Worker state cleared for challenge ${challenge.id}.`,
    challenge_pk: challenge.id,
    workers: null,
    task_def_arn: '',
  });
}

export const lambdaRoutes: RouteDef[] = [
  {
    name: 'get_challenge_pending_submission_count',
    pattern: /^\/api\/challenges\/challenge\/(?<pk>[0-9]+)\/pending_submission_count\/$/,
    methods: ['GET'],
    auth: 'lambda',
    throttle: 'user',
    view: pendingSubmissionCount,
  },
  {
    name: 'get_challenge_autoscale_meta',
    pattern: /^\/api\/challenges\/challenge\/(?<pk>[0-9]+)\/autoscale_meta\/$/,
    methods: ['GET'],
    auth: 'lambda',
    throttle: 'user',
    view: autoscaleMeta,
  },
  {
    name: 'get_autoscale_eligible_challenges',
    pattern: /^\/api\/challenges\/challenge\/autoscale_eligible_challenges\/$/,
    methods: ['GET'],
    auth: 'lambda',
    throttle: 'user',
    view: autoscaleEligibleChallenges,
  },
  {
    name: 'clear_challenge_worker_state',
    pattern: /^\/api\/challenges\/challenge\/(?<pk>[0-9]+)\/clear_worker_state\/$/,
    methods: ['POST'],
    auth: 'lambda',
    throttle: 'none',
    view: clearWorkerState,
  },
];
