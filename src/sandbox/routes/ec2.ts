/**
 * The EC2 worker endpoints: `manage_ec2_instance` (§2.8) and `get_ec2_instance_details`
 * (§2.9). Staff only. Describe-stage AWS errors in start/stop are unhandled (HTML 500).
 */
import { getChallengeOr404, isStaff } from '../access.js';
import { botocoreErrorResponse, describeInstance, rebootInstance, settleInstance, startInstance, stopInstance, unknownInstanceError } from '../ec2.js';
import { errorReply, jsonReply, ServerCrash, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';
import type { SandboxChallenge, SandboxEc2Instance } from '../state.js';

const NOT_AUTHORIZED = 'Sorry, you are not authorized for access EC2 operations.';
const ACTIONS = ['start', 'stop', 'restart'];

function challengeForStaff(ctx: ViewContext): SandboxChallenge {
  if (!isStaff(ctx.user)) throw errorReply(400, NOT_AUTHORIZED);
  return getChallengeOr404(ctx.state, ctx.params.pk!);
}

function requireEc2Worker(challenge: SandboxChallenge): void {
  if (!challenge.uses_ec2_worker) throw errorReply(400, 'Challenge does not use EC2 worker instance.');
}

function ec2Reply(status: number, action: 'Success' | 'Failure', message: unknown): Reply {
  return jsonReply(status, { message, action });
}

/** A describe call outside any try/except: any AWS-side problem escapes as an HTML 500. */
function describeOrCrash(ctx: ViewContext, challenge: SandboxChallenge): SandboxEc2Instance {
  const id = challenge.ec2_instance_id;
  if (id === null) throw new ServerCrash('ParamValidationError: Invalid type for parameter InstanceIds[0], value: None');
  const instance = ctx.state.ec2Instances.get(id);
  if (!instance) throw new ServerCrash(`ClientError: ${unknownInstanceError(id).Message}`);
  settleInstance(instance, ctx.now, ctx.config.ec2TransitionMs);
  return instance;
}

function startEc2(ctx: ViewContext, challenge: SandboxChallenge): Reply {
  const pk = challenge.id;
  const instance = describeOrCrash(ctx, challenge);
  if (instance.state !== 'stopped') {
    return ec2Reply(400, 'Failure', `Instance for challenge ${pk} is running. Please ensure the instance is stopped.`);
  }
  if (challenge.ec2Failure) return ec2Reply(400, 'Failure', botocoreErrorResponse(challenge.ec2Failure, ctx.now));
  startInstance(instance, ctx.now, ctx.config.ec2TransitionMs);
  return ec2Reply(200, 'Success', `Instance for challenge ${pk} successfully started.`);
}

function stopEc2(ctx: ViewContext, challenge: SandboxChallenge): Reply {
  const pk = challenge.id;
  const instance = describeOrCrash(ctx, challenge);
  // DescribeInstanceStatus without IncludeAllInstances lists running instances only.
  if (instance.state !== 'running') {
    return ec2Reply(400, 'Failure', `Instance for challenge ${pk} not found. Please ensure the instance exists.`);
  }
  if (!instance.statusChecksOk) {
    return ec2Reply(
      400,
      'Failure',
      `Instance status checks are not ready for challenge ${pk}. Please wait for the status checks to pass.`,
    );
  }
  if (challenge.ec2Failure) return ec2Reply(400, 'Failure', botocoreErrorResponse(challenge.ec2Failure, ctx.now));
  stopInstance(instance, ctx.now, ctx.config.ec2TransitionMs);
  return ec2Reply(200, 'Success', `Instance for challenge ${pk} successfully stopped.`);
}

/** RebootInstances inside try/except: AWS errors come back as a 400 botocore object. */
function restartEc2(ctx: ViewContext, challenge: SandboxChallenge): Reply {
  const id = challenge.ec2_instance_id;
  if (id === null) throw new ServerCrash("AttributeError: 'ParamValidationError' object has no attribute 'response'");
  const instance = ctx.state.ec2Instances.get(id);
  if (!instance) return ec2Reply(400, 'Failure', botocoreErrorResponse(unknownInstanceError(id), ctx.now));
  settleInstance(instance, ctx.now, ctx.config.ec2TransitionMs);
  if (challenge.ec2Failure) return ec2Reply(400, 'Failure', botocoreErrorResponse(challenge.ec2Failure, ctx.now));
  if (instance.state !== 'running') {
    const error = {
      Code: 'IncorrectInstanceState',
      Message: `The instance '${id}' is not in a state from which it can be rebooted.`,
    };
    return ec2Reply(400, 'Failure', botocoreErrorResponse(error, ctx.now));
  }
  rebootInstance(instance, ctx.now, ctx.config.ec2TransitionMs);
  return ec2Reply(200, 'Success', `Instance for challenge ${challenge.id} successfully restarted.`);
}

function manageEc2Instance(ctx: ViewContext): Reply {
  if (!isStaff(ctx.user)) throw errorReply(400, NOT_AUTHORIZED);
  const action = ctx.params.action!;
  if (!ACTIONS.includes(action)) throw errorReply(406, `The action ${action} is invalid for worker`);
  const challenge = getChallengeOr404(ctx.state, ctx.params.pk!);
  requireEc2Worker(challenge);
  if (action !== 'stop') {
    if (!challenge.end_date) throw new ServerCrash("TypeError: '<' not supported between 'NoneType' and 'datetime.datetime'");
    if (challenge.end_date < ctx.now) {
      throw errorReply(406, `Action ${action} EC2 instance is not supported for an inactive challenge.`);
    }
  }
  if (action === 'start') return startEc2(ctx, challenge);
  if (action === 'stop') return stopEc2(ctx, challenge);
  return restartEc2(ctx, challenge);
}

function ec2InstanceDetails(ctx: ViewContext): Reply {
  const challenge = challengeForStaff(ctx);
  requireEc2Worker(challenge);
  const id = challenge.ec2_instance_id;
  if (id === null) throw new ServerCrash("AttributeError: 'ParamValidationError' object has no attribute 'response'");
  const instance = ctx.state.ec2Instances.get(id);
  if (!instance) return ec2Reply(400, 'Failure', botocoreErrorResponse(unknownInstanceError(id), ctx.now));
  settleInstance(instance, ctx.now, ctx.config.ec2TransitionMs);
  return ec2Reply(200, 'Success', describeInstance(instance));
}

export const ec2Routes: RouteDef[] = [
  {
    name: 'manage_ec2_instance',
    pattern: /^\/api\/challenges\/(?<pk>[0-9]+)\/manage_ec2_instance\/(?<action>[\w-]+)\/$/,
    methods: ['PUT'],
    auth: 'user',
    throttle: 'user',
    view: manageEc2Instance,
  },
  {
    name: 'get_ec2_instance_details',
    pattern: /^\/api\/challenges\/(?<pk>[0-9]+)\/get_ec2_instance_details\/$/,
    methods: ['GET'],
    auth: 'user',
    throttle: 'user',
    view: ec2InstanceDetails,
  },
];
