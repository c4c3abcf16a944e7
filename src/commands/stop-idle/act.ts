import type { Challenge } from '../../core/challenge.js';
import { carryOut, type ActOptions } from '../../core/carry-out.js';
import type { Decision, Outcome } from '../../core/outcome.js';
import type { Transport } from '../../evalai/transport.js';
import { manageWorker } from '../../evalai/workers.js';
import type { IdleDecisionAction } from './decide.js';
import type { IdleWorkerAction } from './policy.js';

/**
 * Carries out a delete or stop through manage_worker (user-throttled: paced under the shared
 * budget). Only {"action":"Success"} is success; a Failure (HTTP 200) or an HTTP error is a failure.
 */
export async function actOnIdleWorker(transport: Transport, challenge: Challenge, decision: Decision<IdleDecisionAction>, opts: ActOptions): Promise<Outcome> {
  const base = { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts };
  return carryOut(base, `challenge:${challenge.id}`, opts, async () => {
    const result = await manageWorker(transport, challenge.id, decision.action as IdleWorkerAction);
    return result.ok ? { ...base, status: 'done' } : { ...base, status: 'failed', error: `EvalAI answered Failure: ${result.error}` };
  });
}
