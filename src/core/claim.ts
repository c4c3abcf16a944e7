import type { ActionGuard } from '../runtime/action-guard.js';
import type { Outcome } from './outcome.js';

/** How an act function carries out a decision: for real or as a plan, and under the run's guard. */
export interface ActOptions {
  dryRun: boolean;
  guard: ActionGuard;
}

/**
 * Claims one action on the run's guard before it is carried out (or planned: a dry run shows what
 * the real run would refuse too). Returns the failed outcome when the guard refuses, else null.
 */
export function refusedByGuard(guard: ActionGuard, target: string, base: Omit<Outcome, 'status'>): Outcome | null {
  const claim = guard.claim(target, base.action);
  return claim.ok ? null : { ...base, status: 'failed', error: claim.reason };
}
