import type { DateTime } from 'luxon';
import type { Outcome } from '../core/outcome.js';

/**
 * What the runs of one command remember about one challenge (or nodegroup) between runs. Times are
 * ISO-8601 UTC, as seen by runs: a run sees the world only when cron starts it.
 */
export interface ChallengeMemory {
  /** A run of this command started the capacity (worker, instance, nodes from 0) then; cleared when it is seen stopped. */
  startedAt?: string;
  /** Pending fell to 0 then (or was first seen 0); cleared when a run sees pending above 0. */
  idleSince?: string;
  /** The last run that decided for this challenge. */
  lastSeenAt: string;
  /** The last change a run decided (not "none" or "skip"), and what came of it. */
  lastAction?: { action: string; status: string; at: string };
}

/** What a run observed of one challenge, for its memory. */
export interface Seen {
  /** A number when it was read; anything else leaves idleSince as it was. */
  pending: number | string;
  /** Whether capacity was up before this run acted; undefined when not known. */
  capacityUp?: boolean;
}

/** The actions of a command that start capacity from nothing, and those that stop it. */
export interface ActionKinds {
  start: readonly string[];
  stop: readonly string[];
}

const NO_CHANGE = new Set(['none', 'skip']);

/**
 * The memory after one run: pure. idleSince is set the first time pending is seen 0 and cleared
 * when it is seen above 0; startedAt is set when this run started capacity that was down, cleared
 * when this run stopped it or saw it down.
 */
export function remember(prev: ChallengeMemory | undefined, seen: Seen, outcome: Pick<Outcome, 'action' | 'status'>, kinds: ActionKinds, now: DateTime): ChallengeMemory {
  const at = isoOf(now);
  const done = outcome.status === 'done';
  const started = done && kinds.start.includes(outcome.action) && seen.capacityUp !== true;
  const stopped = done && kinds.stop.includes(outcome.action);

  let idleSince = prev?.idleSince;
  if (typeof seen.pending === 'number') idleSince = seen.pending === 0 ? (idleSince ?? at) : undefined;

  let startedAt = prev?.startedAt;
  if (started) startedAt = at;
  else if (stopped || seen.capacityUp === false) startedAt = undefined;

  const lastAction = NO_CHANGE.has(outcome.action) ? prev?.lastAction : { action: outcome.action, status: outcome.status, at };
  return {
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(idleSince !== undefined ? { idleSince } : {}),
    lastSeenAt: at,
    ...(lastAction !== undefined ? { lastAction } : {}),
  };
}

const isoCache = new WeakMap<DateTime, string>();

/** luxon's toISO() in UTC, remembered per DateTime: simulate asks for the same tick times millions of times. */
function isoOf(now: DateTime): string {
  let iso = isoCache.get(now);
  if (iso === undefined) isoCache.set(now, (iso = new Date(now.toMillis()).toISOString()));
  return iso;
}

/** Whether a memory holds anything a later run can use or an operator would look for. */
export function worthKeeping(m: ChallengeMemory): boolean {
  return m.startedAt !== undefined || m.idleSince !== undefined || m.lastAction !== undefined;
}
