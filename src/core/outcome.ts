/**
 * What happened to one challenge in one run. Every outcome carries a reason a human reads in the
 * log; `facts` are the numbers behind it (pending, workers, ...), published by name so that "why did
 * it scale?" has an answer afterwards.
 */
export type OutcomeStatus =
  | 'done' // the action was carried out
  | 'planned' // --dry-run: the action would have been carried out
  | 'unchanged' // nothing to do
  | 'skipped' // out of this command's scope (remote evaluation, EC2 challenge, ...)
  | 'failed'; // could not observe or act: counts for exit code 1

export interface Outcome {
  challengeId: number;
  title?: string;
  /**
   * Set when the outcome is about one submission of the challenge (cancel-stale), not the challenge
   * itself. A challenge may then have several outcomes; reports count challenges by distinct id.
   */
  submissionId?: number;
  /** The decided action ("start", "stop", "none", ...). */
  action: string;
  reason: string;
  status: OutcomeStatus;
  /** Why an observation or action failed (one line, secrets scrubbed at output). */
  error?: string;
  facts?: Record<string, unknown>;
}

/** A decision before it is acted on: a pure function's answer. */
export interface Decision<A extends string = string> {
  action: A;
  reason: string;
  facts?: Record<string, unknown>;
}

/** The decision taken without a trustworthy observation: nothing done, and the challenge failed. */
export function observationFailed(challenge: { id: number; title?: string }, decision: Decision, error: string): Outcome {
  return { challengeId: challenge.id, title: challenge.title, action: decision.action, reason: decision.reason, facts: decision.facts, status: 'failed', error };
}

export function failedOutcome(challenge: { id: number | null; title?: string }, reason: string, error: string, action = 'none'): Outcome {
  return { challengeId: challenge.id ?? 0, title: challenge.title, action, reason, status: 'failed', error };
}
