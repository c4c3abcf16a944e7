import type { Challenge } from '../../core/challenge.js';
import { refusedByGuard, type ActOptions } from '../../core/claim.js';
import type { Decision, Outcome } from '../../core/outcome.js';
import { describeError } from '../../runtime/errors.js';
import { isRunFatal } from '../../evalai/errors.js';
import type { Transport } from '../../evalai/transport.js';
import { manageWorker } from '../../evalai/workers.js';
import type { IdleDecisionAction } from './decide.js';

/**
 * Carries out a delete or stop through manage_worker (user-throttled: paced under the shared
 * budget). Only {"action":"Success"} is success; a Failure (HTTP 200) or an HTTP error is a failure.
 */
export async function actOnIdleWorker(transport: Transport, challenge: Challenge, decision: Decision<IdleDecisionAction>, opts: ActOptions): Promise<Outcome> {
  const base = { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts };
  if (decision.action === 'skip') return { ...base, status: 'skipped' };
  if (decision.action === 'none') return { ...base, status: 'unchanged' };
  const refused = refusedByGuard(opts.guard, `challenge:${challenge.id}`, base);
  if (refused) return refused;
  if (opts.dryRun) return { ...base, status: 'planned' };
  try {
    const result = await manageWorker(transport, challenge.id, decision.action);
    if (result.ok) return { ...base, status: 'done' };
    return { ...base, status: 'failed', error: `EvalAI answered Failure: ${result.error}` };
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return { ...base, status: 'failed', error: describeError(err) };
  }
}
