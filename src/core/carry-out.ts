import type { ActionGuard } from '../runtime/action-guard.js';
import { describeError, HaltedError, isRunFatal } from '../runtime/errors.js';
import type { Deferred } from './deferred.js';
import type { Outcome } from './outcome.js';

/** How an act function carries out a decision: for real or as a plan, and under the run's guard. */
export interface ActOptions {
  dryRun: boolean;
  guard: ActionGuard;
}

/** The no-change actions every command's decisions share. */
const NO_CHANGE: Record<string, Outcome['status']> = { skip: 'skipped', none: 'unchanged' };

/**
 * The part of acting that every command shares: a `skip` or `none` needs no call; a change first
 * claims its target on the run's guard (a dry run too, so `--dry-run` shows what the cap would
 * refuse), then is planned in a dry run or carried out by `change`. An error from `change` fails
 * this challenge only, except one that ends the run (a rejected token).
 */
export async function carryOut(
  base: Omit<Outcome, 'status'>,
  target: string,
  opts: ActOptions,
  change: () => Promise<Outcome>,
): Promise<Outcome> {
  const unchanged = NO_CHANGE[base.action];
  if (unchanged) return { ...base, status: unchanged };
  const refused = refusedByGuard(opts.guard, target, base);
  if (refused) return refused;
  if (opts.dryRun) return { ...base, status: 'planned' };
  try {
    return await change();
  } catch (err) {
    if (isRunFatal(err)) throw err;
    if (err instanceof HaltedError) return { ...base, status: 'skipped', reason: `${base.action} not carried out: ${err.why}` };
    return { ...base, status: 'failed', error: describeError(err) };
  }
}

/**
 * Claims one action on the run's guard before it is carried out (or planned). Returns the failed
 * outcome when the guard refuses, else null.
 */
export function refusedByGuard(guard: ActionGuard, target: string, base: Omit<Outcome, 'status'>): Outcome | null {
  const claim = guard.claim(target, base.action);
  if (claim.ok) return null;
  // Halted by a signal: the action was not taken, which is no failure of the challenge.
  if (claim.halted) return { ...base, status: 'skipped', reason: `${base.action} not carried out: ${claim.reason}` };
  return { ...base, status: 'failed', error: claim.reason };
}

/**
 * carryOut for a saving (a stop, a scale-down): it waits for the run's starts, so that within
 * `--max-actions` waiting submissions are served first. A `skip` or `none` is its outcome now; a
 * change takes its place in line on the guard (refused now when the line is already as long as the
 * budget) and is carried out, claim included, when the runner reaches the deferred actions.
 */
export function carryOutLater(
  base: Omit<Outcome, 'status'>,
  target: string,
  opts: ActOptions,
  change: () => Promise<Outcome>,
): Outcome | Deferred {
  const unchanged = NO_CHANGE[base.action];
  if (unchanged) return { ...base, status: unchanged };
  const place = opts.guard.defer(target);
  if (!place.ok) {
    if (place.halted) return { ...base, status: 'skipped', reason: `${base.action} not carried out: ${place.reason}` };
    return { ...base, status: 'failed', error: place.reason };
  }
  return {
    later: () => carryOut(base, target, opts, change),
    unreached: (why) => ({ ...base, status: 'skipped', reason: `${base.action} not carried out: ${why} (stops wait for the run's starts); the next run looks again` }),
  };
}
