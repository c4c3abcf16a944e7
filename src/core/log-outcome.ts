import type { Logger } from '../runtime/logger.js';
import type { Outcome } from './outcome.js';

/**
 * One `decision` line per challenge, with its reason and the facts behind it. Changes (done or
 * planned) at info, failures at warn; challenges left as they were at debug, so a deployment with
 * thousands of long-ended challenges does not write thousands of lines every five minutes
 * (LOG_LEVEL=debug, or --verbose on stdout, shows them).
 */
export function logOutcome(logger: Logger, o: Outcome): void {
  const fields = { challenge: o.challengeId, action: o.action, status: o.status, reason: o.reason, error: o.error, ...o.facts };
  if (o.status === 'failed') logger.warn(fields, 'decision');
  else if (o.status === 'done' || o.status === 'planned') logger.info(fields, 'decision');
  else logger.debug(fields, 'decision');
}
