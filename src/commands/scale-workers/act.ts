import type { Challenge } from '../../core/challenge.js';
import { carryOut, carryOutLater, type ActOptions } from '../../core/carry-out.js';
import type { Handled } from '../../core/deferred.js';
import type { Decision, Outcome } from '../../core/outcome.js';
import { manageWorker } from '../../evalai/workers.js';
import type { Transport } from '../../evalai/transport.js';
import type { WorkerDecisionAction } from './decide.js';

/**
 * Carries out a start or stop through manage_worker; anything else needs no call. A stop is a
 * saving: it is deferred to the end of the run, so within --max-actions the starts go first.
 */
export async function actOnWorkers(transport: Transport, challenge: Challenge, decision: Decision<WorkerDecisionAction>, opts: ActOptions): Promise<Handled> {
  const base = { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts };
  const change = async (): Promise<Outcome> => {
    const result = await manageWorker(transport, challenge.id, decision.action as 'start' | 'stop');
    return result.ok ? { ...base, status: 'done' } : { ...base, status: 'failed', error: `EvalAI answered Failure: ${result.error}` };
  };
  const target = `challenge:${challenge.id}`;
  return decision.action === 'stop' ? carryOutLater(base, target, opts, change) : carryOut(base, target, opts, change);
}
