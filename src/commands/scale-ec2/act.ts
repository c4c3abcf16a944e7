import { isAwsError } from '../../aws/errors.js';
import type { Challenge } from '../../core/challenge.js';
import { carryOut, carryOutLater, type ActOptions } from '../../core/carry-out.js';
import type { Handled } from '../../core/deferred.js';
import type { Decision, Outcome } from '../../core/outcome.js';
import { describeError } from '../../runtime/errors.js';
import { manageEc2Instance } from '../../evalai/ec2.js';
import { isRunFatal } from '../../evalai/errors.js';
import type { Ec2DecisionAction } from './decide.js';
import type { Ec2Access } from './observe.js';

/**
 * Carries out a start or stop, through EvalAI (manage_ec2_instance, with its trailing slash) or
 * directly through EC2. Expected races (status checks not ready yet, an instance that already
 * stopped, an instance in transition) are reported as unchanged with their reason: the next run
 * looks again. Everything else that goes wrong is a failure of this challenge.
 */
export async function actOnEc2(
  access: Ec2Access,
  challenge: Challenge,
  decision: Decision<Ec2DecisionAction>,
  instanceId: string | undefined,
  opts: ActOptions,
): Promise<Handled> {
  const base = { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts };
  const action = decision.action as 'start' | 'stop';
  // A stop is a saving: deferred to the end of the run, so within --max-actions the starts go first.
  const act = decision.action === 'stop' ? carryOutLater : carryOut;
  return act(base, `challenge:${challenge.id}`, opts, async (): Promise<Outcome> => {
    try {
      if (!access.direct) {
        const result = await manageEc2Instance(access.transport, challenge.id, action);
        if (result.ok) return { ...base, status: 'done', facts: { ...base.facts, evalai: result.message } };
        if (result.soft) return { ...base, status: 'unchanged', reason: result.reason, facts: { ...base.facts, deferred: action, refusal: result.kind } };
        return { ...base, status: 'failed', error: result.reason, facts: { ...base.facts, refusal: result.kind, ...(result.awsCode ? { awsCode: result.awsCode } : {}) } };
      }
      if (!instanceId) return { ...base, status: 'failed', error: 'internal error: no instance id to act on' };
      const change = action === 'start' ? await access.direct.start(instanceId) : await access.direct.stop(instanceId);
      return { ...base, status: 'done', facts: { ...base.facts, previousState: change.previousState, currentState: change.currentState } };
    } catch (err) {
      if (isRunFatal(err)) throw err;
      if (isAwsError(err) && err.soft) {
        return { ...base, status: 'unchanged', reason: `${action} deferred: ${err.message}`, facts: { ...base.facts, deferred: action, awsCode: err.code } };
      }
      return { ...base, status: 'failed', error: describeError(err), facts: { ...base.facts, ...(isAwsError(err) && err.code ? { awsCode: err.code } : {}) } };
    }
  });
}
