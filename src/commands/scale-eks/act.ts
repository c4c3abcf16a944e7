import { updateNodegroupScaling, type NodegroupInfo } from '../../aws/eks.js';
import { isAwsError } from '../../aws/errors.js';
import { carryOut, carryOutLater } from '../../core/carry-out.js';
import type { Handled } from '../../core/deferred.js';
import type { Outcome } from '../../core/outcome.js';
import { describeError } from '../../runtime/errors.js';
import type { EksDecision } from './decide.js';
import type { EksEnv, NodegroupTarget } from './observe.js';

/**
 * Writes the decided scaling config with UpdateNodegroupConfig; anything else needs no call. An
 * update already in progress or throttling is reported as unchanged (the next run looks again).
 */
export async function actOnNodegroup(env: EksEnv, t: NodegroupTarget, nodegroup: NodegroupInfo, decision: EksDecision): Promise<Handled> {
  const base = {
    challengeId: t.challengeId,
    title: t.title,
    action: decision.action,
    reason: decision.reason,
    facts: { ...t.facts, ...decision.facts },
  };
  const target = decision.target;
  if (!target) return { ...base, status: decision.action === 'skip' ? 'skipped' : 'unchanged' };
  // Anything but a scale-up is a saving: deferred to the end of the run, so within --max-actions
  // the scale-ups for waiting submissions go first.
  const act = decision.action === 'scale-up' ? carryOut : carryOutLater;
  return act(base, `challenge:${t.challengeId}`, env.ctx, async (): Promise<Outcome> => {
    try {
      const eks = env.aws.eks(t.region, t.credentials);
      const updateId = await updateNodegroupScaling(eks, nodegroup.clusterName, nodegroup.nodegroupName, target);
      return { ...base, status: 'done', facts: { ...base.facts, updateId } };
    } catch (err) {
      if (isAwsError(err) && err.soft) {
        return { ...base, status: 'unchanged', reason: `${decision.action} deferred: ${err.message}`, facts: { ...base.facts, deferred: decision.action, awsCode: err.code } };
      }
      return { ...base, status: 'failed', error: isAwsError(err) ? err.message : describeError(err), facts: { ...base.facts, ...(isAwsError(err) && err.code ? { awsCode: err.code } : {}) } };
    }
  });
}
