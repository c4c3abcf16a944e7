import type { RunContext } from '../../runtime/context.js';
import { describeError, isRunFatal } from '../../runtime/errors.js';
import { getPendingSubmissions } from '../../evalai/metrics.js';
import { describePending } from '../../core/pending.js';

/** The pending count of a challenge as one observation: a number, or unknown with why. */
export type PendingObservation = { pending: number; error?: undefined } | { pending: 'unknown'; error: string };

/**
 * Reads a challenge's pending count through the shared calculator. A failure or a malformed answer
 * is `unknown` (never acted on); a rejected token still ends the run.
 */
export async function observePending(ctx: RunContext, challengeId: number): Promise<PendingObservation> {
  try {
    const count = await getPendingSubmissions(ctx.transport, challengeId);
    ctx.logger.debug({ challenge: challengeId, pending: count.byStatus }, describePending(count));
    return { pending: count.total };
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return { pending: 'unknown', error: describeError(err) };
  }
}
