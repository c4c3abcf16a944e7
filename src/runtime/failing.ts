/**
 * What keeps failing, and since when: carried from run to run in the status file, so `status`
 * and the metrics can tell "the command stopped running" (its last run is old) from "it runs, but
 * these items fail every time" (a broken challenge makes every run exit 1).
 */
export interface FailingItem {
  /** The challenge (or pool, or nodegroup entry) id. */
  id: number;
  /** When it was first seen failing in the current streak of runs in which it failed. */
  since: string;
  /** Its last error, shortened. */
  error: string;
}

export interface Failing {
  /** When the current streak of runs that did not exit 0 began (the first such run's end). */
  since: string;
  /** The last run's exit code. */
  exitCode: number;
  /** The items that failed in the last run, oldest failure first, at most MAX_FAILING_ITEMS. */
  items: FailingItem[];
  /** Failed items beyond those listed. */
  more: number;
}

export const MAX_FAILING_ITEMS = 20;
const MAX_ERROR_CHARS = 200;

/**
 * The failing state after a run that finished at `at` with `exitCode` and these failed items:
 * undefined once a run exits 0; otherwise the streak's start and each item's carried over from
 * `previous` when they were already failing. Pure.
 */
export function nextFailing(previous: Failing | undefined, exitCode: number, failed: ReadonlyArray<{ id: number; error: string }>, at: string): Failing | undefined {
  if (exitCode === 0) return undefined;
  const before = new Map((previous?.items ?? []).map((i) => [i.id, i.since]));
  const items = failed
    .map((f) => ({ id: f.id, since: before.get(f.id) ?? at, error: f.error.length > MAX_ERROR_CHARS ? `${f.error.slice(0, MAX_ERROR_CHARS)}...` : f.error }))
    .sort((a, b) => a.since.localeCompare(b.since) || a.id - b.id);
  return { since: previous?.since ?? at, exitCode, items: items.slice(0, MAX_FAILING_ITEMS), more: Math.max(0, items.length - MAX_FAILING_ITEMS) };
}
