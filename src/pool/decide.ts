import { formatDuration } from '../runtime/duration.js';
import { counted } from '../runtime/plural.js';
import type { Demand } from './demand/demand.js';
import { knownJobs, type Host } from './host.js';
import { noticeReason, type InterruptionNotice } from './interruption-event.js';
import { noticesByHost, withStateChange } from './interruption-notices.js';
import { desiredSize, type DesiredSize, type PoolPolicy } from './policy.js';
import { isCounting, transition, type HostState, type Move } from './states.js';

/** What the decision remembers between ticks (kept in the state file). */
export interface PoolHistory {
  /** Since when desired has been below the counting hosts (ms since the epoch); null when it is not. */
  belowSince: number | null;
  /**
   * Hosts recorded as terminated because the cloud showed them gone, and when (ms): EC2 shows a
   * terminated instance for about an hour, and its tag may not take the `terminated` state, so each
   * is recorded once. Kept for GONE_MEMORY_MS; absent when empty.
   */
  gone?: Record<string, number>;
  /**
   * Hosts drained because AWS warned it would take them (a spot interruption warning, a rebalance
   * recommendation, a scheduled change), and when the warning was sent (ms): never recaptured, even
   * once the message is deleted. Kept while the host is listed and not gone; absent when empty.
   */
  interrupted?: Record<string, number>;
}

/** How long a gone host is remembered: longer than the hour EC2 shows a terminated instance. */
export const GONE_MEMORY_MS = 3 * 60 * 60_000;

export const EMPTY_HISTORY: PoolHistory = { belowSince: null };

/**
 * Why a host is to be terminated. `idle`: it was shown to hold no jobs (drained or unhealthy and
 * idle, or a retry of such a terminate), so a re-check that cannot see it idle again keeps it.
 * `broken`: it is removed because it is unfit (a launch timeout, unhealthy past its timeout, a
 * stopped orphan, a retry that has waited longer than the unhealthy timeout): a re-check keeps it
 * only when it is shown busy. `queued`: a batch job still waiting in the scheduler, holding nothing.
 */
export type TerminateGround = 'idle' | 'broken' | 'queued';

export interface DecideInput {
  hosts: readonly Host[];
  demand: Demand;
  policy: PoolPolicy;
  history: PoolHistory;
  now: number;
  /** The sizing rule; n + 2√n (desiredSize) unless another is given (`simulate` compares a plain one). */
  size?: (n: number, policy: PoolPolicy) => DesiredSize;
  /** This tick's notices from the interruption queue (backend.interruptionQueue), any instance's. */
  interruptions?: readonly InterruptionNotice[];
  /** Several worker types: what the pending demand's shapes need started beyond the live workers (ray-bin-pack.ts). */
  shaped?: ShapedNeed;
}

/** The workers the demand's resource shapes need started, beyond the live ones. */
export interface ShapedNeed {
  /** How many: the desired size is at least the counting hosts plus these. */
  workers: number;
  /** The worker type of each, in the order chosen. */
  order: string[];
  /** The type of launches beyond `order` (headroom, the minimum). */
  fallback: string;
  /** What is started for what, what fits already, what is infeasible. */
  reason: string;
}

export interface PoolDecision {
  /** State changes, in the order they were decided, each with the rule that made it. */
  moves: Move[];
  /** Hosts to launch now (they enter `launching`). */
  launches: { count: number; reason: string };
  /** Hosts moved to terminating because they hold no jobs (ground `idle`). */
  recheck: string[];
  /** Hosts already `terminating` whose instance is still alive: TerminateInstances again. */
  retryTerminate: Array<{ hostId: string; reason: string }>;
  /**
   * What each terminate (a move to terminating, or a retry) rests on, for the re-check right before
   * it (tick.ts): every one is asked again, and a probe answering jobs keeps the host whatever the
   * ground; a probe that cannot answer keeps only an `idle` one.
   */
  grounds: Record<string, TerminateGround>;
  /** Null when the demand is unknown. */
  desired: DesiredSize | null;
  /** Ready + launching hosts before the moves. */
  countingBefore: number;
  /** Ready + launching hosts after the moves and launches. */
  countingAfter: number;
  /** One line: n, desired and the rule that decided the size. */
  why: string;
  history: PoolHistory;
}

/**
 * One tick's decision for a pool: a pure function of (hosts, demand, policy, history, now).
 *
 * 1. Each host's own rules, whatever the demand: a ready or launching host AWS warned about (a spot
 *    interruption warning, a rebalance recommendation, a scheduled change) is drained at once and
 *    never recaptured, so the size below launches its replacement; a state-change notification of
 *    shutting-down or terminated counts as EC2's word (stopping, stopped: unless the listing is newer);
 *    an instance gone from EC2 is terminated; an orphan
 *    (pool tag, no state tag) is adopted if running or pending, terminated otherwise; a stopped
 *    instance or a failed probe makes a host unhealthy; launching becomes ready once EC2 says running
 *    (and the probe answers healthy), or terminating after the launch timeout; unhealthy hosts with
 *    no jobs, or unhealthy past their timeout, are terminated. Each terminate carries its ground
 *    (`grounds`): the re-check right before it asks the probe again and keeps a host shown busy.
 * 2. The size, only on a known demand: desired = clamp(ceil((n + 2√n) / jobs per host), min, max)
 *    against ready + launching. More wanted: recapture draining hosts, then launch (at most max
 *    launches per tick, never above max). Fewer wanted, for longer than the scale-down delay: drain
 *    the excess ready hosts old enough (drainOrder: fewest jobs, then the most expensive, then newest). Above max drains at once.
 * 3. Draining hosts (drained on an earlier tick) with no jobs are terminated.
 *
 * A host's jobs come from the probe; without one, a host is busy while the demand shows work in
 * flight (or is unknown). No busy healthy host is ever moved to terminating.
 */
export function decide(input: DecideInput): PoolDecision {
  const { demand, policy, now } = input;
  const hosts = input.hosts.map((h) => ({ ...h }));
  const moves: Move[] = [];
  const movedThisTick = new Set<string>();
  const retryTerminate: PoolDecision['retryTerminate'] = [];
  const recheck: string[] = [];
  const grounds: Record<string, TerminateGround> = {};
  const move = (index: number, to: HostState, reason: string, ground?: TerminateGround): void => {
    const r = transition(hosts[index]!, to, reason, now);
    hosts[index] = r.host;
    moves.push(r.move);
    movedThisTick.add(r.move.hostId);
    if (to === 'terminating') {
      grounds[r.move.hostId] = ground ?? 'broken';
      if (ground === 'idle') recheck.push(r.move.hostId);
    }
  };

  // Gone hosts recorded on an earlier tick are not recorded again; old records are dropped.
  const goneNow: Record<string, number> = {};
  let goneChanged = false;
  for (const [id, at] of Object.entries(input.history.gone ?? {})) {
    if (now - at < GONE_MEMORY_MS) goneNow[id] = at;
    else goneChanged = true;
  }

  // Warned hosts remembered while they are listed and not gone; this tick's warnings added below.
  const notices = noticesByHost(input.interruptions ?? []);
  const interruptedNow: Record<string, number> = {};
  const listed = new Set(input.hosts.filter((h) => !gone(h) && h.state !== 'terminated').map((h) => h.id));
  let interruptedChanged = false;
  for (const [id, at] of Object.entries(input.history.interrupted ?? {})) {
    if (listed.has(id)) interruptedNow[id] = at;
    else interruptedChanged = true;
  }

  // 1. Each host's own rules.
  hosts.forEach((observed, i) => {
    const h = (hosts[i] = withStateChange(observed, notices.stateChanges.get(observed.id)));
    if (gone(h) && goneNow[h.id] !== undefined) {
      // Recorded on an earlier tick (its tag may still say otherwise): terminated, never counted.
      hosts[i] = { ...h, state: 'terminated' };
      return;
    }
    const warning = notices.warnings.get(h.id);
    if (warning && !gone(h) && h.state !== 'terminated') {
      if (interruptedNow[h.id] === undefined) {
        interruptedNow[h.id] = warning.at;
        interruptedChanged = true;
      }
      // A stopped instance goes unhealthy by its own rule below; one already leaving is left as it is.
      if ((h.state === 'ready' || h.state === 'launching') && h.cloud !== 'stopped' && h.cloud !== 'stopping') {
        move(i, 'draining', noticeReason(warning, h.id));
        return;
      }
    }
    const step = hostRule(h, demand, policy, now);
    if (step && 'to' in step && step.to === 'terminated') {
      goneNow[h.id] = now;
      goneChanged = true;
    }
    if (!step) return;
    if ('retry' in step) {
      retryTerminate.push({ hostId: h.id, reason: step.retry });
      grounds[h.id] = step.ground;
    } else {
      move(i, step.to, step.reason, step.ground);
      // An orphan just adopted that AWS warned about is drained too.
      if (warning && h.state === 'untracked' && (step.to === 'ready' || step.to === 'launching')) move(i, 'draining', noticeReason(warning, h.id));
    }
  });

  const countingBefore = input.hosts.filter((h) => isCounting(h.state) && !gone(h)).length;
  let counting = hosts.filter((h) => isCounting(h.state)).length;
  let launches = { count: 0, reason: '' };
  let history = input.history;
  let desired: DesiredSize | null = null;
  let why: string;

  // 2. The size.
  if (!demand.known) {
    why = `demand unknown (${demand.reason}): nothing launched, drained or recaptured on it`;
    launches.reason = why;
  } else {
    desired = (input.size ?? desiredSize)(demand.n, policy);
    let sizing = describeSize(demand, desired, policy);
    if (input.shaped) {
      // Several worker types: what is started is what the shapes need, as Ray's autoscaler (no headroom: it
      // would be of no one shape); the count only lets the pool shrink, and min and max hold.
      const { workers, reason } = input.shaped;
      const up = workers > 0;
      const hosts = up ? Math.max(policy.minHosts, Math.min(policy.maxHosts, counting + workers)) : Math.max(policy.minHosts, Math.min(desired.hosts, counting));
      sizing += up
        ? `; by shape: ${reason}: desired ${counting} counting + ${workers}${hosts !== counting + workers ? ` (min ${policy.minHosts}, max ${policy.maxHosts})` : ''} = ${hosts}`
        : `; by shape: ${reason}: nothing more to start, the count only shrinks the pool: desired ${hosts}`;
      desired = { ...desired, hosts };
    }
    const want = desired.hosts;
    // Counted after this tick's host rules: a host whose tag still says launching but that EC2 (or the
    // probe) now says is up counts as ready; say so, or the line contradicts the tags `status` lists.
    const promoted = moves.filter((m) => m.from === 'launching' && m.to === 'ready').length;
    const promotedNote = promoted > 0 ? `; ${promoted} of the ready move launching -> ready this tick` : '';
    const have = `${counting} counting (${countIn(hosts, 'ready')} ready + ${countIn(hosts, 'launching')} launching${promotedNote})`;
    if (want > counting) {
      history = { belowSince: null };
      const recaptured = recapture(hosts, want - counting, interruptedNow);
      for (const i of recaptured) move(i, 'ready', `recaptured: desired ${counted(want, 'host')} > ${counting} counting, a draining host is put back before anything is launched`);
      counting += recaptured.length;
      const deficit = want - counting;
      const room = Math.max(0, policy.maxHosts - counting);
      const count = Math.min(deficit, policy.maxLaunchesPerTick, room);
      const capped = count < deficit ? ` (at most ${policy.maxLaunchesPerTick} launches per tick)` : '';
      launches = { count, reason: count > 0 ? `desired ${counted(want, 'host')} > ${counting} counting: launch ${count}${capped}` : `desired ${counted(want, 'host')} reached by recapture` };
      why = `${sizing}; ${have}: ${recaptured.length ? `recapture ${recaptured.length}, ` : ''}launch ${count}${capped}`;
      counting += count;
    } else if (want < counting) {
      const belowSince = input.history.belowSince ?? now;
      history = { belowSince };
      const overMax = Math.max(0, counting - policy.maxHosts);
      const waited = now - belowSince;
      const delayHeld = waited >= policy.scaleDownDelayMs;
      const excess = delayHeld ? counting - want : overMax;
      const ruleFor = (k: number): string =>
        k < overMax
          ? `above max: ${counting} counting > max ${policy.maxHosts}, drained at once`
          : `excess: desired ${want} < ${counting} counting for ${formatDuration(waited)} (scale-down delay ${formatDuration(policy.scaleDownDelayMs)})`;
      // Hosts still queued in a batch scheduler hold nothing: they go first, newest first.
      const queued = excess > 0 ? queuedCandidates(hosts, excess) : [];
      queued.forEach((i, k) => move(i, 'terminating', `${ruleFor(k)}; still queued in the scheduler, holds nothing: dropped before any ready host is drained`, 'queued'));
      const drained = excess > queued.length ? drainCandidates(hosts, excess - queued.length, Math.max(0, overMax - queued.length), policy, now) : { picks: [], young: 0 };
      drained.picks.forEach((i, k) => {
        const h = hosts[i]!;
        move(i, 'draining', `${ruleFor(k + queued.length)}; fewest jobs (${knownJobs(h) ?? 'unknown'}), then the most expensive (${h.lifecycle ?? 'lifecycle unknown'}${h.instanceType ? ` ${h.instanceType}` : ''}), then newest`);
      });
      counting -= queued.length + drained.picks.length;
      const youngNote = drained.young > 0 ? `; ${drained.young} ready host(s) younger than the min uptime of ${formatDuration(policy.minUptimeMs)} kept` : '';
      const dropNote = queued.length > 0 ? `drop ${queued.length} queued, ` : '';
      why = delayHeld || overMax > 0
        ? `${sizing}; ${have}: ${dropNote}drain ${drained.picks.length}${youngNote}`
        : `${sizing}; ${have}: scale-down delay: below for ${formatDuration(waited)} of ${formatDuration(policy.scaleDownDelayMs)}, nothing drained yet`;
      launches.reason = 'fewer hosts wanted';
    } else {
      history = { belowSince: null };
      why = `${sizing}; ${have}: at the desired size`;
      launches.reason = 'at the desired size';
    }
  }

  // 3. Draining hosts (from an earlier tick) that hold no jobs.
  hosts.forEach((h, i) => {
    if (h.state !== 'draining' || movedThisTick.has(h.id)) return;
    const idle = idleReason(h, demand);
    if (idle) move(i, 'terminating', `draining and ${idle}`, 'idle');
  });

  if (goneChanged || interruptedChanged || history !== input.history) history = withMemory(history, goneNow, interruptedNow);
  return { moves, launches, recheck, retryTerminate, grounds, desired, countingBefore, countingAfter: counting, why, history };
}

function withMemory(history: PoolHistory, goneNow: Record<string, number>, interruptedNow: Record<string, number>): PoolHistory {
  const { gone: _gone, interrupted: _interrupted, ...rest } = history;
  return { ...rest, ...(Object.keys(goneNow).length > 0 ? { gone: goneNow } : {}), ...(Object.keys(interruptedNow).length > 0 ? { interrupted: interruptedNow } : {}) };
}

type Step = { to: HostState; reason: string; ground?: TerminateGround } | { retry: string; ground: TerminateGround } | null;

/** "EC2 says running", or the backend's own words ("SLURM says RUNNING"). */
function says(h: Host): string {
  return h.cloudSays ?? `EC2 says ${h.cloud}`;
}

function gone(h: Host): boolean {
  return h.cloud === 'shutting-down' || h.cloud === 'terminated';
}

/** The rules about one host that do not depend on the pool's size. */
function hostRule(h: Host, demand: Demand, policy: PoolPolicy, now: number): Step {
  const age = now - (h.since ?? h.launchedAt);
  if (gone(h)) return h.state === 'terminated' ? null : { to: 'terminated', reason: `instance gone: ${says(h)}${h.cloudReason ? ` (${h.cloudReason})` : ''}` };
  if (h.state === 'terminating' || h.state === 'terminated') {
    // Why it was terminated is not kept on the host: a running one is treated as shown idle (a job
    // may have landed since the failed try) until it has waited the unhealthy timeout; a stopped or
    // pending one runs nothing.
    const ground: TerminateGround = h.cloud === 'running' && age <= policy.unhealthyTimeoutMs ? 'idle' : 'broken';
    return { retry: `${h.state} for ${formatDuration(age)} but ${says(h)} still: terminate again`, ground };
  }
  if (h.state === 'untracked') {
    if (h.cloud === 'running') return { to: 'ready', reason: 'orphan: pool tag without a state tag, running: adopted as ready' };
    if (h.cloud === 'pending') return { to: 'launching', reason: 'orphan: pool tag without a state tag, pending: adopted as launching' };
    return { to: 'terminating', reason: `orphan: pool tag without a state tag, ${h.cloud}: terminated` };
  }
  if (h.cloud === 'stopped' || h.cloud === 'stopping') {
    if (h.state !== 'unhealthy') return { to: 'unhealthy', reason: `${says(h)}: a stopped host runs no jobs` };
  }
  switch (h.state) {
    case 'launching': {
      const probeOk = !h.probe || (h.probe.ok && h.probe.healthy);
      if (h.cloud === 'running' && probeOk) return { to: 'ready', reason: h.probe ? `${says(h)} and the probe answers healthy` : says(h) };
      if (age > policy.launchTimeoutMs) {
        return { to: 'terminating', reason: `launch timeout: launching for ${formatDuration(age)}, more than ${formatDuration(policy.launchTimeoutMs)}` };
      }
      return null;
    }
    case 'ready':
    case 'draining': {
      const failure = probeFailure(h);
      return failure ? { to: 'unhealthy', reason: failure } : null;
    }
    case 'unhealthy': {
      if (age > policy.unhealthyTimeoutMs) {
        return { to: 'terminating', reason: `unhealthy timeout: unhealthy for ${formatDuration(age)}, more than ${formatDuration(policy.unhealthyTimeoutMs)}: terminated unless the probe shows it busy`, ground: 'broken' };
      }
      const idle = idleReason(h, demand);
      return idle ? { to: 'terminating', reason: `unhealthy and ${idle}`, ground: 'idle' } : null;
    }
  }
}

function probeFailure(h: Host): string | null {
  if (!h.probe) return null;
  if (!h.probe.ok) return `probe failed: ${h.probe.error}`;
  // A job retired near its wall time answers healthy: false with a note that is the whole reason.
  if (!h.probe.healthy) return h.probe.note?.startsWith('retired:') ? h.probe.note : `probe answers healthy: false${h.probe.note ? ` (${h.probe.note})` : ''}`;
  return null;
}

/** Why the host holds no jobs, or null when it may hold some. */
function idleReason(h: Host, demand: Demand): string | null {
  const jobs = knownJobs(h);
  if (jobs !== undefined) return jobs === 0 ? (h.probe?.ok ? 'the probe says 0 jobs' : `${says(h)}: no jobs`) : null;
  if (!demand.known) return null;
  return demand.inFlight === 0 ? `no jobs known for it and nothing in flight in the demand source` : null;
}

function countIn(hosts: readonly Host[], state: HostState): number {
  return hosts.filter((h) => h.state === state).length;
}

/** Draining hosts to put back, most jobs first (they are busy anyway), then newest; never one AWS warned it would take. */
function recapture(hosts: readonly Host[], wanted: number, interrupted: Readonly<Record<string, number>>): number[] {
  return hosts
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => h.state === 'draining' && interrupted[h.id] === undefined)
    .sort((a, b) => (knownJobs(b.h) ?? 0) - (knownJobs(a.h) ?? 0) || b.h.launchedAt - a.h.launchedAt)
    .slice(0, wanted)
    .map(({ i }) => i);
}

/** Launching hosts still queued in a batch scheduler (they hold nothing), newest first. */
function queuedCandidates(hosts: readonly Host[], excess: number): number[] {
  return hosts
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => h.state === 'launching' && h.queued === true && !gone(h))
    .sort((a, b) => b.h.launchedAt - a.h.launchedAt)
    .slice(0, excess)
    .map(({ i }) => i);
}

/** EC2 sizes, smallest first: the static cost rank of a type within a family when no price is known. */
const SIZES = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge'];

/** A rough rank of what an instance type costs: `p3.2xlarge` > `p3.xlarge` > `p3.large`; -1 when unknown. */
export function sizeRank(instanceType: string | undefined): number {
  const size = instanceType?.split('.')[1];
  if (!size) return -1;
  if (size === 'metal' || size.startsWith('metal-')) return 10_000;
  const m = /^(\d+)xlarge$/.exec(size);
  if (m) return SIZES.length - 1 + Number(m[1]);
  return SIZES.indexOf(size);
}

/**
 * The order in which ready hosts are drained (a comparator: the first drains first). Fewest jobs
 * first (an unknown count counts as many). Between hosts otherwise equal, the most expensive
 * first: on-demand before spot, then the higher known price per hour, then the larger size of the
 * type (a static rank); then the newest (it has done the least).
 */
export function drainOrder(a: Host, b: Host): number {
  const jobs = (knownJobs(a) ?? Number.MAX_SAFE_INTEGER) - (knownJobs(b) ?? Number.MAX_SAFE_INTEGER);
  if (jobs !== 0) return jobs;
  const onDemand = (h: Host): number => (h.lifecycle === 'on-demand' ? 1 : 0);
  if (onDemand(a) !== onDemand(b)) return onDemand(b) - onDemand(a);
  if (a.pricePerHour !== undefined && b.pricePerHour !== undefined && a.pricePerHour !== b.pricePerHour) return b.pricePerHour - a.pricePerHour;
  const size = sizeRank(b.instanceType) - sizeRank(a.instanceType);
  if (size !== 0) return size;
  return b.launchedAt - a.launchedAt;
}

/**
 * Ready hosts to drain, in drainOrder: fewest jobs first, then the most expensive, then newest. The first `overMax`
 * may be any ready host (a cap holds at once); the rest only hosts up for the min uptime.
 */
function drainCandidates(hosts: readonly Host[], excess: number, overMax: number, policy: PoolPolicy, now: number): { picks: number[]; young: number } {
  const ready = hosts
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => h.state === 'ready')
    .sort((a, b) => drainOrder(a.h, b.h));
  const picks: number[] = [];
  let young = 0;
  for (const { h, i } of ready) {
    if (picks.length >= excess) break;
    const oldEnough = now - h.launchedAt >= policy.minUptimeMs;
    if (picks.length < overMax || oldEnough) picks.push(i);
    else young += 1;
  }
  return { picks, young };
}

function describeSize(demand: Extract<Demand, { known: true }>, d: DesiredSize, policy: PoolPolicy): string {
  const clamp = d.clampedTo ? `, clamped to ${d.clampedTo} ${d.hosts}` : '';
  return `n=${demand.n} (${demand.queued} queued, ${demand.inFlight} in flight): ${d.rule ?? 'n + 2√n'} = ${round(d.jobs)} jobs / ${policy.jobsPerHost} per host = ${counted(d.unclamped, 'host')}${clamp}`;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
