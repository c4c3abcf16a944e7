import type { Challenge } from '../../core/challenge.js';
import { observePending } from '../shared/observe-pending.js';
import { whenSettled, type Handled } from '../../core/deferred.js';
import { observationFailed } from '../../core/outcome.js';
import type { ChallengeRunResult } from '../../core/run-challenges.js';
import { runOverChallengeList } from '../shared/challenge-list.js';
import type { RunContext } from '../../runtime/context.js';
import type { AwsClients } from '../../aws/clients.js';
import { actOnEc2 } from './act.js';
import { decideEc2, ec2NeedsPending } from './decide.js';
import { observeInstance, type Ec2Access, type Ec2Direct } from './observe.js';
import type { ScaleEc2Policy } from './policy.js';

/** What starts an instance, and what stops it (for the history). */
const EC2_ACTIONS = { start: ['start'], stop: ['stop'] };

export interface ScaleEc2Deps {
  /** The AWS clients factory (tests pass one; otherwise one is built for the run). */
  aws?: AwsClients;
}

/**
 * scale-ec2: for every challenge of the list that uses an EC2 worker, observe the instance (and the
 * pending count where it can matter), decide (pure), act (start/stop), report. Challenges without
 * an EC2 worker are reported as skipped without any call.
 */
export async function runScaleEc2(ctx: RunContext, policy: ScaleEc2Policy, deps: ScaleEc2Deps = {}): Promise<ChallengeRunResult> {
  const now = ctx.now();
  const aws = policy.via === 'aws' ? (deps.aws ?? (await newAwsClients(ctx, policy))) : undefined;
  const access: Ec2Access = { policy, transport: ctx.transport, ...(aws ? { direct: await directEc2(aws, policy) } : {}) };
  try {
    return await runOverChallengeList(ctx, async (challenge: Challenge): Promise<Handled> => {
      if (!challenge.usesEc2Worker) {
        const decision = decideEc2(challenge, 'unknown', 'not read', now);
        return { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, status: 'skipped' };
      }
      const observed = await observeInstance(access, challenge);
      if (!observed.ok) {
        const decision = decideEc2(challenge, 'unknown', 'unknown', now);
        return { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: 'the instance could not be described', facts: decision.facts, status: 'failed', error: observed.reason };
      }
      ctx.logger.debug({ challenge: challenge.id, instance: observed.instance.instanceId, state: observed.instance.state, via: observed.via }, 'instance observed');

      const observedPending = ec2NeedsPending(challenge, observed.instance, now) ? await observePending(ctx, challenge.id) : { pending: 'not read' as const, error: undefined };
      const hold = ctx.history ? { policy, memory: ctx.history.recall(challenge.id), now } : undefined;
      const decision = decideEc2(challenge, observed.instance, observedPending.pending, now, hold);
      const handled =
        observedPending.error !== undefined ? observationFailed(challenge, decision, observedPending.error) : await actOnEc2(access, challenge, decision, observed.instance.instanceId, ctx);
      const state = observed.instance.state;
      // A stop's outcome is known at the end of the run (stops wait for the starts): noted then.
      return whenSettled(handled, (outcome) =>
        ctx.history?.note(challenge.id, { pending: observedPending.pending, capacityUp: state === 'running' ? true : state === 'stopped' ? false : undefined }, outcome, EC2_ACTIONS, now),
      );
    });
  } finally {
    if (aws && !deps.aws) aws.destroy();
  }
}

async function newAwsClients(ctx: RunContext, policy: ScaleEc2Policy): Promise<AwsClients> {
  const { AwsClients } = await import('../../aws/clients.js');
  return new AwsClients({ secrets: ctx.secrets, timeoutMs: policy.awsTimeoutMs, logger: ctx.logger });
}

/** One EC2 client (default credentials, --region or the SDK's region) for the whole run. */
async function directEc2(aws: AwsClients, policy: ScaleEc2Policy): Promise<Ec2Direct> {
  const ec2 = await import('../../aws/ec2.js');
  const client = aws.ec2(policy.region);
  return {
    describe: (id) => ec2.describeInstance(client, id),
    start: (id) => ec2.startInstance(client, id),
    stop: (id) => ec2.stopInstance(client, id),
  };
}
