import { ConfigError } from '../../runtime/errors.js';
import { formatDuration } from '../../runtime/duration.js';

const DAY_MS = 86_400_000;

/** What upstream auto_cancel_submissions.py cancels (contract §3.1). */
export const DEFAULT_STATUSES = ['submitted', 'running', 'resuming'] as const;
/** Statuses cancel-stale can be told to cancel: the defaults, plus `queued` with --include-queued. */
export type CandidateStatus = (typeof DEFAULT_STATUSES)[number] | 'queued';

export const DEFAULT_THRESHOLD_MS = 14 * DAY_MS;
/** A shorter threshold is almost certainly a typo (14m for 14d): evaluations legitimately run for hours. */
export const MIN_THRESHOLD_MS = DAY_MS;

/** What an operator configures for cancel-stale (from flags). */
export interface CancelStalePolicy {
  /** A submission older than this (strictly) in a candidate status is cancelled. */
  thresholdMs: number;
  /** Statuses whose submissions are candidates, in listing order. */
  statuses: readonly CandidateStatus[];
}

export interface CancelStalePolicyFlags {
  /** --older-than, in ms. */
  olderThanMs?: number;
  /** --days (upstream's days_threshold). */
  days?: number;
  /** --include-queued: also cancel `queued` (upstream never does). */
  includeQueued?: boolean;
}

/** The policy from the flags; a contradictory or dangerous threshold is a configuration error (exit 2). */
export function cancelStalePolicy(opts: CancelStalePolicyFlags): CancelStalePolicy {
  if (opts.olderThanMs !== undefined && opts.days !== undefined) {
    throw new ConfigError('give either --older-than or --days, not both');
  }
  const thresholdMs = opts.olderThanMs ?? (opts.days !== undefined ? opts.days * DAY_MS : DEFAULT_THRESHOLD_MS);
  if (!(thresholdMs >= MIN_THRESHOLD_MS)) {
    throw new ConfigError(`the threshold ${formatDuration(thresholdMs)} is shorter than ${formatDuration(MIN_THRESHOLD_MS)}: evaluations legitimately run for hours (did you mean days?)`);
  }
  return { thresholdMs, statuses: opts.includeQueued ? [...DEFAULT_STATUSES, 'queued'] : [...DEFAULT_STATUSES] };
}
