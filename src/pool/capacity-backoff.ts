import type { BackoffEntry, CapacityBackoff } from './backend.js';

/**
 * Capacity backoff per offer (market x instance type x subnet): the first capacity error avoids the
 * offer for FIRST_BACKOFF_MS, each repeat doubles the step up to the pool's `capacityBackoff`, and a
 * launch that succeeds on the offer clears it. An entry is remembered for one more step after it
 * runs out, so a repeat right after the wait doubles instead of starting short again. Pure.
 */
export const FIRST_BACKOFF_MS = 60_000;

export function isAvoided(backoff: CapacityBackoff, key: string, now: number): boolean {
  return (backoff[key]?.until ?? 0) > now;
}

/** The entry after a capacity error on `key` at `now`. */
export function afterCapacityError(previous: BackoffEntry | undefined, now: number, maxMs: number): BackoffEntry {
  const stepMs = Math.min(maxMs, previous ? Math.max(FIRST_BACKOFF_MS, previous.stepMs * 2) : FIRST_BACKOFF_MS);
  return { until: now + stepMs, stepMs };
}

/** Drops the entries that ran out more than one step ago. */
export function pruneBackoff(backoff: CapacityBackoff, now: number): CapacityBackoff {
  return Object.fromEntries(Object.entries(backoff).filter(([, e]) => e.until + e.stepMs > now));
}

/** The old state file's shape (offer -> until ms) read as entries whose step is unknown (0: the next error starts short). */
export function fromStored(stored: Record<string, number | BackoffEntry>): CapacityBackoff {
  return Object.fromEntries(Object.entries(stored).map(([k, v]) => [k, typeof v === 'number' ? { until: v, stepMs: 0 } : v]));
}
