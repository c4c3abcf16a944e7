/**
 * The life of a pool host (seed 003), as one table. The state and the time it was entered live on
 * the instance itself (tags `evalai-autoscaler:state` / `state-since`), so the cloud holds the
 * truth and a second scheduler sees the same pool.
 *
 *   launching -> ready -> draining -> terminating -> terminated
 *   draining -> ready                      (recaptured when more hosts are wanted again)
 *   launching | ready | draining -> unhealthy -> terminating
 *   launching -> terminating               (launch timeout)
 *   launching -> draining                  (AWS warned it will take the instance: a spot interruption, a scheduled change)
 *   any live state -> terminated           (the instance is gone from EC2: spot reclaim, a human)
 *   untracked -> ready | launching | terminating   (an instance tagged for the pool without a state tag)
 *
 * A move outside this table is a programming error: `transition` throws.
 */
export const HOST_STATES = ['launching', 'ready', 'draining', 'unhealthy', 'terminating', 'terminated'] as const;
export type HostState = (typeof HOST_STATES)[number];

/** An instance carrying the pool tag but no (valid) state tag: an orphan to adopt or remove. */
export const UNTRACKED = 'untracked' as const;
export type FromState = HostState | typeof UNTRACKED;

export function isHostState(value: unknown): value is HostState {
  return typeof value === 'string' && (HOST_STATES as readonly string[]).includes(value);
}

/** The only allowed moves. */
export const TRANSITIONS: Readonly<Record<FromState, readonly HostState[]>> = {
  untracked: ['launching', 'ready', 'terminating', 'terminated'],
  launching: ['ready', 'draining', 'unhealthy', 'terminating', 'terminated'],
  ready: ['draining', 'unhealthy', 'terminated'],
  draining: ['ready', 'unhealthy', 'terminating', 'terminated'],
  unhealthy: ['terminating', 'terminated'],
  terminating: ['terminated'],
  terminated: [],
};

export function canTransition(from: FromState, to: HostState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states a host is counted in when comparing the pool to the desired size (and to max). */
export const COUNTING_STATES: readonly HostState[] = ['launching', 'ready'];

export function isCounting(state: FromState): boolean {
  return (COUNTING_STATES as readonly string[]).includes(state);
}

/** One state change with the rule that made it, as logged and reported. */
export interface Move {
  hostId: string;
  from: FromState;
  to: HostState;
  /** A sentence naming the rule that held, for the log. */
  reason: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export class TransitionError extends Error {
  constructor(
    readonly hostId: string,
    readonly from: FromState,
    readonly to: HostState,
  ) {
    const allowed = TRANSITIONS[from].join(', ') || 'nothing';
    super(`host ${hostId}: no move ${from} -> ${to} in the host state table (from ${from}: ${allowed})`);
    this.name = 'TransitionError';
  }
}

/** The part of a host the state machine cares about. */
export interface Stateful {
  id: string;
  state: FromState;
  /** When the current state was entered (ms since the epoch); null when unknown. */
  since: number | null;
}

/**
 * Moves `host` to `to`: a new host value (the input is not changed) and the move record. Throws a
 * TransitionError for a move outside the table, and for an empty reason (every move says why).
 */
export function transition<H extends Stateful>(host: H, to: HostState, reason: string, now: number): { host: H & { state: HostState }; move: Move } {
  if (!canTransition(host.state, to)) throw new TransitionError(host.id, host.state, to);
  if (reason.trim() === '') throw new Error(`host ${host.id}: a move ${host.state} -> ${to} needs a reason`);
  return {
    host: { ...host, state: to, since: now },
    move: { hostId: host.id, from: host.state, to, reason, at: now },
  };
}
