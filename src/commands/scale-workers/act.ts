import type { Challenge } from '../../core/challenge.js';
import { carryOut, type ActOptions } from '../../core/carry-out.js';
import type { Decision, Outcome } from '../../core/outcome.js';
import { manageWorker } from '../../evalai/workers.js';
import type { Transport } from '../../evalai/transport.js';
import type { WorkerDecisionAction } from './decide.js';

/** Carries out a start or stop through manage_worker; anything else needs no call. */
export async function actOnWorkers(transport: Transport, challenge: Challenge, decision: Decision<WorkerDecisionAction>, opts: ActOptions): Promise<Outcome> {
  const base = { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts };
  return carryOut(base, `challenge:${challenge.id}`, opts, async () => {
    const result = await manageWorker(transport, challenge.id, decision.action as 'start' | 'stop');
    return result.ok ? { ...base, status: 'done' } : { ...base, status: 'failed', error: `EvalAI answered Failure: ${result.error}` };
  });
}
