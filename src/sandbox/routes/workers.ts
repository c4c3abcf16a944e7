/**
 * `PUT /api/challenges/{pk}/manage_worker/{action}/` (contract §2.7): the checks in order,
 * then always HTTP 200 with `{"action": "Success"}` or `{"action": "Failure", "error": …}`
 * and the effect on `challenge.workers`.
 */
import { getChallengeOr404, isHostOf, isStaff } from '../access.js';
import { errorReply, jsonReply, ServerCrash, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';
import type { AwsErrorMember, SandboxChallenge } from '../state.js';

const ACTIONS = ['start', 'stop', 'restart', 'delete'] as const;
type WorkerAction = (typeof ACTIONS)[number];
const PAST_TENSE: Record<WorkerAction, string> = { start: 'started', stop: 'stopped', restart: 'restarted', delete: 'deleted' };
const NOT_AUTHORIZED = 'Sorry, you are not authorized for access worker operations.';
const ACTIVE_ONLY = 'Please select challenges with active workers only.';

function failure(error: string | AwsErrorMember): Reply {
  return jsonReply(200, { action: 'Failure', error });
}

/** The aws_utils helper: precondition on `workers`, then the ECS calls and the state change. */
function applyAction(challenge: SandboxChallenge, action: WorkerAction): Reply {
  const workers = challenge.workers;
  switch (action) {
    case 'start':
      if (workers !== null && workers !== 0) return failure('Please select challenge with inactive workers only.');
      break;
    case 'stop':
      if (workers === null || workers <= 0) return failure(ACTIVE_ONLY);
      break;
    case 'restart':
      if (workers === null || workers <= 0) return failure(ACTIVE_ONLY);
      if (challenge.uses_ec2_worker || challenge.remote_evaluation) {
        return failure('Worker task definition refresh is not supported for this challenge type.');
      }
      break;
    case 'delete':
      if (workers === null) return failure(ACTIVE_ONLY);
      break;
  }
  if (challenge.workerFailure !== undefined) return failure(challenge.workerFailure);
  switch (action) {
    case 'start':
      challenge.workers = 1;
      challenge.evaluation_module_error = null;
      challenge.task_def_arn ||= `arn:aws:ecs:${challenge.aws_region}:123456789012:task-definition/${challenge.queue}:1`;
      break;
    case 'stop':
      challenge.workers = 0;
      break;
    case 'restart':
      break;
    case 'delete':
      challenge.workers = null;
      challenge.task_def_arn = '';
      break;
  }
  return jsonReply(200, { action: 'Success' });
}

function manageWorker(ctx: ViewContext): Reply {
  const pk = Number(ctx.params.pk);
  const action = ctx.params.action!;
  const staff = isStaff(ctx.user);
  if (!staff && !isHostOf(ctx.user, ctx.state.challenges.get(pk))) throw errorReply(400, NOT_AUTHORIZED);
  if (!(ACTIONS as readonly string[]).includes(action)) throw errorReply(406, `The action ${action} is invalid for worker`);
  const workerAction = action as WorkerAction;
  if (workerAction === 'delete' && !staff) throw errorReply(400, NOT_AUTHORIZED);
  const challenge = getChallengeOr404(ctx.state, pk);
  if (workerAction !== 'delete') {
    if (!challenge.end_date) throw new ServerCrash("TypeError: '<' not supported between 'NoneType' and 'datetime.datetime'");
    if (challenge.end_date < ctx.now) {
      throw errorReply(406, `Action ${action} worker is not supported for an inactive challenge.`);
    }
  }
  if (ctx.config.debug) {
    return failure(`Workers cannot be ${PAST_TENSE[workerAction]} on AWS ECS service in development environment`);
  }
  return applyAction(challenge, workerAction);
}

export const workerRoutes: RouteDef[] = [
  {
    name: 'manage_worker',
    pattern: /^\/api\/challenges\/(?<pk>[0-9]+)\/manage_worker\/(?<action>[\w-]+)\/$/,
    methods: ['PUT'],
    auth: 'user',
    throttle: 'user',
    view: manageWorker,
  },
];
