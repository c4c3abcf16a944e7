import type { Ec2InstanceInfo, Ec2StateChange } from '../../aws/ec2.js';
import { isAwsError } from '../../aws/errors.js';
import type { Challenge } from '../../core/challenge.js';
import { describeError } from '../../runtime/errors.js';
import { getEc2InstanceDetails } from '../../evalai/ec2.js';
import { isRunFatal } from '../../evalai/errors.js';
import type { Transport } from '../../evalai/transport.js';
import type { InstanceView } from './decide.js';
import type { ScaleEc2Policy } from './policy.js';

/** EC2 itself, for --via aws (built only then, so the EvalAI path never loads the AWS SDK). */
export interface Ec2Direct {
  describe(instanceId: string): Promise<Ec2InstanceInfo>;
  start(instanceId: string): Promise<Ec2StateChange>;
  stop(instanceId: string): Promise<Ec2StateChange>;
}

/** What observe and act need: the policy, EvalAI, and (aws mode) EC2. */
export interface Ec2Access {
  policy: ScaleEc2Policy;
  transport: Transport;
  direct?: Ec2Direct;
}

export type InstanceObservation = { ok: true; instance: Exclude<InstanceView, 'unknown'>; via: string } | { ok: false; reason: string };

/**
 * The instance of one challenge. Through EvalAI: get_ec2_instance_details. Directly: the instance id
 * from --instance or else from EvalAI's details, then DescribeInstances for the state AWS reports
 * now. A challenge whose instance cannot be described is a failure for that challenge only; a
 * rejected token is thrown (the run stops).
 */
export async function observeInstance(access: Ec2Access, challenge: Challenge): Promise<InstanceObservation> {
  try {
    if (!access.direct) {
      const details = await getEc2InstanceDetails(access.transport, challenge.id);
      if (!details.ok) return { ok: false, reason: details.reason };
      return { ok: true, instance: { instanceId: details.instance.instanceId, state: details.instance.state }, via: 'EvalAI' };
    }
    let instanceId = access.policy.instanceIds.get(challenge.id);
    let idFrom = '--instance';
    if (!instanceId) {
      const details = await getEc2InstanceDetails(access.transport, challenge.id);
      if (!details.ok) return { ok: false, reason: `instance id unknown (no --instance for this challenge, and EvalAI could not tell): ${details.reason}` };
      instanceId = details.instance.instanceId;
      idFrom = 'EvalAI';
    }
    const info = await access.direct.describe(instanceId);
    return { ok: true, instance: { instanceId: info.instanceId, state: info.state }, via: `AWS (id from ${idFrom})` };
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return { ok: false, reason: isAwsError(err) ? err.message : describeError(err) };
  }
}
