import { formatDuration } from '../runtime/duration.js';
import { counted } from '../runtime/plural.js';
import { drainOrder } from './decide.js';
import { knownJobs, type Host } from './host.js';
import type { PoolPolicy } from './policy.js';
import { isCounting, transition, type Move } from './states.js';

/**
 * `scale-pool scale-up N` / `scale-down N` (seed 002's --scale-up / --scale-down): a manual change
 * bounded by min and max, acted on now. Up recaptures draining hosts first, then launches; down
 * drains ready hosts (decide.ts drainOrder: fewest jobs, the most expensive, the newest) and never
 * terminates anything: the next tick terminates drained hosts once they hold no jobs. Nothing here stops the next automatic tick from
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
    reason = `manual scale-up by ${count}: ${from} -> ${counted(to, 'host')}${to < from + count ? ` (capped at max ${policy.maxHosts})` : ''}: recapture ${draining.length}, launch ${launches}`;
  } else {
    to = Math.max(from - count, policy.minHosts);
    const allowed = Math.max(0, from - to);
    const ready = input.hosts.filter((h) => h.state === 'ready').sort(drainOrder).slice(0, allowed);
    for (const h of ready) moves.push(transition(h, 'draining', `manual scale-down by ${count}: drained (jobs ${knownJobs(h) ?? 'unknown'}); terminated once it holds none`, now).move);
    to = from - ready.length;
    const launching = input.hosts.filter((h) => h.state === 'launching').length;
    // Launching hosts count toward the size but are never drained: say why fewer went than asked.
    const short = ready.length < allowed && launching > 0 ? `; ${ready.length === 0 ? 'nothing drained' : `only ${ready.length} drained`}: ${counted(launching, 'host')} still launching, and scale-down drains ready hosts only: run it again once they are ready` : '';
    reason = `manual scale-down by ${count}: ${from} -> ${counted(to, 'host')}${from - count < policy.minHosts ? ` (kept at min ${policy.minHosts})` : ''}: drain ${ready.length}${short}`;
  }
  return { moves, launches, from, to, reason, next: nextTick(to, desiredHosts, policy) };
}

function nextTick(to: number, desired: number | null, policy: PoolPolicy): string {
  if (desired === null) return 'the demand is unknown now: the next tick launches and drains nothing until it can be read';
  if (desired > to) return `the next tick wants ${counted(desired, 'host')} for the current demand: it recaptures or launches back up to ${desired}`;
  if (desired < to) return `the demand wants ${counted(desired, 'host')}: the next ticks drain back down to ${desired} after the scale-down delay (${formatDuration(policy.scaleDownDelayMs)})`;
  return `the demand wants ${counted(desired, 'host')} too: the next tick keeps them`;
}

function byJobsDesc(a: Host, b: Host): number {
  return (knownJobs(b) ?? 0) - (knownJobs(a) ?? 0) || b.launchedAt - a.launchedAt;
}
