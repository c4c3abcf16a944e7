/**
 * Reading the audit log back (pure): which cancellations have no final line yet. A cancellation is
 * joined by `run` and `submissionId`; its last line is final when it is `cancelled`, `cancel-failed`
 * or a `reconciled` line with a result other than `unknown`. An `about-to-cancel` with no line after
 * it (the run died, or its result line could not be written) or whose last line is `cancel-unknown`
 * or `reconciled` `unknown` is open: the next run reads the submission and records what happened.
 */

/** One cancellation whose outcome the log does not know yet. */
export interface OpenCancellation {
  run: string;
  submissionId: number;
  challengeId: number;
  /** The EvalAI origin the cancel went to (absent in lines written before it was recorded). */
  origin?: string;
  /** The status it was cancelled from (from the intent; absent when only a result line survived). */
  previousStatus?: string;
  /** The last line about it: `about-to-cancel`, `cancel-unknown` or `reconciled`. */
  last: string;
  /**
   * A later run wrote its own `about-to-cancel` for the same submission: it had just re-read it in a
   * pending status, so this earlier cancel did not take effect. No need to ask EvalAI.
   */
  supersededBy?: { run: string; status: string };
}

export interface Ledger {
  open: OpenCancellation[];
  /** Lines that are not a JSON object with an event, a run and ids (a line cut short by an old version). */
  unreadable: number;
}

const FINAL = new Set(['cancelled', 'cancel-failed']);

export function openCancellations(text: string): Ledger {
  const byKey = new Map<string, OpenCancellation & { final: boolean }>();
  const bySubmission = new Map<number, Array<OpenCancellation & { final: boolean }>>();
  let unreadable = 0;
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const line = parseLine(raw);
    if (!line) {
      unreadable++;
      continue;
    }
    const key = `${line.run}\u0000${line.submissionId}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { run: line.run, submissionId: line.submissionId, challengeId: line.challengeId, last: line.event, final: false };
      byKey.set(key, entry);
      bySubmission.set(line.submissionId, [...(bySubmission.get(line.submissionId) ?? []), entry]);
    }
    entry.last = line.event;
    if (typeof line.origin === 'string') entry.origin = line.origin;
    if (line.event === 'about-to-cancel' && typeof line.previousStatus === 'string') entry.previousStatus = line.previousStatus;
    entry.final = FINAL.has(line.event) || (line.event === 'reconciled' && line.result !== 'unknown');
    if (line.event === 'about-to-cancel') {
      for (const other of bySubmission.get(line.submissionId) ?? []) {
        if (other.run !== line.run && other.origin === (typeof line.origin === 'string' ? line.origin : undefined) && !other.final && !other.supersededBy) {
          other.supersededBy = { run: line.run, status: typeof line.previousStatus === 'string' ? line.previousStatus : 'pending' };
        }
      }
    }
  }
  const open = [...byKey.values()].filter((e) => !e.final).map(({ final: _final, ...rest }) => rest);
  return { open, unreadable };
}

interface Line {
  event: string;
  run: string;
  submissionId: number;
  challengeId: number;
  previousStatus?: unknown;
  result?: unknown;
  origin?: unknown;
}

const EVENTS = new Set(['about-to-cancel', 'cancelled', 'cancel-failed', 'cancel-unknown', 'reconciled']);

function parseLine(raw: string): Line | null {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  const id = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
  if (typeof o.event !== 'string' || !EVENTS.has(o.event) || typeof o.run !== 'string' || !id(o.submissionId) || !id(o.challengeId)) return null;
  return o as unknown as Line;
}
