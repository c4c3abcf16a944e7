import type { Outcome } from './outcome.js';

/**
 * An action put off to the end of the run: a saving (a stop, a scale-down) waits until every start
 * of the run has claimed its share of `--max-actions`, so the budget serves waiting submissions
 * first (src/core/run-targets.ts carries these out once every target was handled).
 */
export interface Deferred {
  /** Carries the action out (claims it on the guard then): its outcome. */
  later: () => Promise<Outcome>;
  /** Its outcome when its turn never comes (the deadline passed, a signal came): `why` says which. */
  unreached: (why: string) => Outcome;
}

/** What handling a target gives: its outcome now, or an action put off to the end of the run. */
export type Handled = Outcome | Deferred;

export function isDeferred(handled: Handled): handled is Deferred {
  return typeof (handled as Partial<Deferred>).later === 'function';
}

/** Runs `settle` on the outcome once it is known: now, or when the deferred action is carried out. */
export function whenSettled(handled: Handled, settle: (outcome: Outcome) => void): Handled {
  if (!isDeferred(handled)) {
    settle(handled);
    return handled;
  }
  return {
    later: async () => {
      const outcome = await handled.later();
      settle(outcome);
      return outcome;
    },
    unreached: (why) => {
      const outcome = handled.unreached(why);
      settle(outcome);
      return outcome;
    },
  };
}
