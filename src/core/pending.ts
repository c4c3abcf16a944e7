/**
 * The pending-submission calculator shared by every scaler: pending = running + submitted + queued
 * + resuming, as upstream's get_pending_submission_count (contract §2.5, §3.1). An absent key
 * counts 0; `submitting` is not counted; a negative or non-integer count makes the whole answer
 * untrustworthy, so no decision is taken on it.
 */
export const PENDING_STATUSES = ['running', 'submitted', 'queued', 'resuming'] as const;
export type PendingStatus = (typeof PENDING_STATUSES)[number];

/**
 * A challenge's pending count as every decide function takes it: a number; `unknown` when it could
 * not be read (or the answer was malformed); `not read` when it was not asked, because the command
 * judged that no count could change the decision. `not read` means unknown, never 0: no decision
 * stops, deletes or scales down on either (each decide table has rows proving it).
 */
export type Pending = number | 'unknown' | 'not read';

/** The count a decision may act on: a number, or `unknown` for both `unknown` and `not read`. */
export function knownPending(p: Pending): number | 'unknown' {
  return typeof p === 'number' ? p : 'unknown';
}

export interface PendingCount {
  total: number;
  byStatus: Record<PendingStatus, number>;
}

export type PendingResult = { ok: true; pending: PendingCount } | { ok: false; problem: string };

export function pendingFromMetrics(metrics: unknown): PendingResult {
  if (!metrics || typeof metrics !== 'object' || Array.isArray(metrics)) {
    return { ok: false, problem: `expected an object of status counts, got ${kindOf(metrics)}` };
  }
  const m = metrics as Record<string, unknown>;
  const byStatus = { running: 0, submitted: 0, queued: 0, resuming: 0 } as Record<PendingStatus, number>;
  for (const status of PENDING_STATUSES) {
    const value = m[status];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      const problem = typeof value === 'number' && !Number.isFinite(value) ? 'is not a finite number (too large to be a count)' : `is ${describeValue(value)}, expected a whole number >= 0`;
      return { ok: false, problem: `field "${status}" ${problem}` };
    }
    byStatus[status] = value;
  }
  const total = PENDING_STATUSES.reduce((sum, s) => sum + byStatus[s], 0);
  return { ok: true, pending: { total, byStatus } };
}

/** "3 pending (2 running, 1 submitted)" */
export function describePending(p: PendingCount): string {
  const parts = PENDING_STATUSES.filter((s) => p.byStatus[s] > 0).map((s) => `${p.byStatus[s]} ${s}`);
  return parts.length ? `${p.total} pending (${parts.join(', ')})` : 'no pending submissions';
}

/** A value as the server sent it; JSON.stringify would show Infinity (JSON's 1e400) as "null". */
function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  const json = JSON.stringify(v);
  return json === undefined ? String(v) : json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
