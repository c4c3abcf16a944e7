import type { Outcome, OutcomeStatus } from './outcome.js';

/**
 * Counts the outcomes nobody will read line by line, instead of keeping them: on a deployment with
 * tens of thousands of long-ended challenges, a run's memory then grows with what happened, not
 * with the length of the list. Only an unchanged or skipped challenge's own outcome is tallied; one
 * that acted, failed, was put off (facts.deferred) or is about a submission is always kept.
 */
export class OutcomeTally {
  readonly counts: Partial<Record<OutcomeStatus, number>> = {};
  /** The ids tallied, for the report's count of distinct challenges (a number each, not an outcome). */
  readonly ids = new Set<number>();

  /** True: keep the outcome; false: it was counted here. */
  keep = (o: Outcome): boolean => {
    if ((o.status !== 'unchanged' && o.status !== 'skipped') || o.submissionId !== undefined || o.facts?.deferred !== undefined) return true;
    this.counts[o.status] = (this.counts[o.status] ?? 0) + 1;
    this.ids.add(o.challengeId);
    return false;
  };
}
