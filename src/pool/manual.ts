import { knownJobs, type Host } from './host.js';
import type { PoolPolicy } from './policy.js';
import { isCounting, transition, type Move } from './states.js';

/**
 * `scale-pool scale-up N` / `scale-down N` (seed 002's --scale-up / --scale-down): a manual change
 * bounded by min and max, acted on now. Up recaptures draining hosts first, then launches; down
 * drains ready hosts (fewest jobs, then newest) and never terminates anything: the next tick
 * terminates drained hosts once they hold no jobs. Nothing here stops the next automatic tick from
 * sizing the pool for its demand again: `next` says what it will do.
 */
export interface ManualInput {
  hosts: readonly Host[];
  policy: PoolPolicy;
  direction: 'up' | 'down';
  count: number;
  now: number;
  /** What the automatic decision wants now (null when the demand is unknown), for `next`. */
  desiredHosts: number | null;
}

export interface ManualDecision {
  moves: Move[];
  launches: number;
  from: number;
  to: number;
  reason: string;
  /** What the next automatic tick will do about this change. */
  next: string;
}

export function decideManual(input: ManualInput): ManualDecision {
  const { policy, direction, count, now, desiredHosts } = input;
  if (!Number.isInteger(count) || count < 1) throw new Error(`scale-${direction}: the count must be a whole number of at least 1, not ${count}`);
  const from = input.hosts.filter((h) => isCounting(h.state)).length;
  const moves: Move[] = [];
  let to: number;
  let launches = 0;
  let reason: string;
  if (direction === 'up') {
    to = Math.max(from, Math.min(from + count, policy.maxHosts));
    const draining = input.hosts.filter((h) => h.state === 'draining').sort(byJobsDesc).slice(0, to - from);
    for (const h of draining) moves.push(transition(h, 'ready', `manual scale-up by ${count}: recaptured before launching`, now).move);
    launches = Math.max(0, to - from - draining.length);
    reason = `manual scale-up by ${count}: ${from} -> ${to} hosts${to < from + count ? ` (capped at max ${policy.maxHosts})` : ''}: recapture ${draining.length}, launch ${launches}`;
  } else {
    to = Math.max(from - count, policy.minHosts);
    const ready = input.hosts.filter((h) => h.state === 'ready').sort(byJobsAscNewest).slice(0, Math.max(0, from - to));
    for (const h of ready) moves.push(transition(h, 'draining', `manual scale-down by ${count}: drained (jobs ${knownJobs(h) ?? 'unknown'}); terminated once it holds none`, now).move);
    to = from - ready.length;
    reason = `manual scale-down by ${count}: ${from} -> ${to} hosts${from - count < policy.minHosts ? ` (kept at min ${policy.minHosts})` : ''}: drain ${ready.length}`;
  }
  return { moves, launches, from, to, reason, next: nextTick(to, desiredHosts, policy) };
}

function nextTick(to: number, desired: number | null, policy: PoolPolicy): string {
  if (desired === null) return 'the demand is unknown now: the next tick launches and drains nothing until it can be read';
  if (desired > to) return `the next tick wants ${desired} hosts for the current demand: it recaptures or launches back up to ${desired}`;
  if (desired < to) return `the demand wants ${desired} hosts: the next ticks drain back down to ${desired} after the scale-down delay (${Math.round(policy.scaleDownDelayMs / 60_000)} min)`;
  return `the demand wants ${desired} hosts too: the next tick keeps them`;
}

function byJobsDesc(a: Host, b: Host): number {
  return (knownJobs(b) ?? 0) - (knownJobs(a) ?? 0) || b.launchedAt - a.launchedAt;
}

function byJobsAscNewest(a: Host, b: Host): number {
  return (knownJobs(a) ?? Number.MAX_SAFE_INTEGER) - (knownJobs(b) ?? Number.MAX_SAFE_INTEGER) || b.launchedAt - a.launchedAt;
}
