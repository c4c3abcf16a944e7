import { DateTime, FixedOffsetZone } from 'luxon';
import type { Challenge } from '../core/challenge.js';
import { decideWorkers, WORKER_ACTIONS } from '../commands/scale-workers/decide.js';
import type { ScaleWorkersPolicy } from '../commands/scale-workers/policy.js';
import { recordIdle } from '../commands/scale-workers/keep-alive.js';
import { remember, type ChallengeMemory } from '../state/memory.js';
import { forecastTicks, ruleForecast, type ForecastRule } from './forecast.js';
import type { TraceSubmission } from './trace.js';

/** The simulation's clock: ticks every intervalMs from t0 (the first arrival's minute); a start is ready after bootMs. */
export interface SimClock {
  t0: number;
  intervalMs: number;
  bootMs: number;
}

/** What one policy did to one challenge's submissions. */
export interface ChallengeRun {
  /** Evaluation start of each submission (the challenge's submissions in FIFO order). */
  starts: Float64Array;
  /** Worker sessions: [start request, stop] pairs, flattened. */
  sessions: number[];
  coldStarts: number;
}

const UTC = FixedOffsetZone.utcInstance;

/** The tick times as DateTime, built once per tick and shared by every challenge and policy (speed). */
export class TickTimes {
  private readonly cache: DateTime[] = [];
  constructor(private readonly clock: SimClock) {}
  at(k: number): DateTime {
    return (this.cache[k] ??= DateTime.fromMillis(this.clock.t0 + k * this.clock.intervalMs, { zone: UTC }));
  }
}

/** The challenge as EvalAI would list it: active (no end date), docker-less, scale-workers' own. */
function simChallenge(id: number, workers: number): Challenge {
  return {
    id,
    title: `challenge ${id}`,
    startDate: null,
    endDate: null,
    createdAt: null,
    approvedByAdmin: true,
    published: true,
    isDockerBased: false,
    remoteEvaluation: false,
    usesEc2Worker: false,
    workers,
  };
}

/**
 * One challenge under a scale-workers policy, tick by tick, through decideWorkers itself (the
 * command's pure decision) with the memory a real run would keep (remember). The model (docs/simulate.md):
 * - a tick at t0 + k·interval; pending at a tick t = submissions arrived at or before t and not
 *   completed at or before t (queued + running);
 * - a start request at tick t makes the worker ready at t + boot; a stop takes effect at the tick;
 * - one worker, one submission at a time, first in first out: evaluation start =
 *   max(arrival, previous completion, ready time of the worker that is up or next started).
 * Ticks where the worker is down and nothing is pending are skipped after the first: decideWorkers
 * answers "none" there and the memory does not change (nothing pending, no capacity), so skipping
 * them changes nothing but speed.
 */
export function runTicking(subs: readonly TraceSubmission[], id: number, policy: ScaleWorkersPolicy, clock: SimClock, times = new TickTimes(clock), anticipate?: ForecastRule): ChallengeRun {
  const n = subs.length;
  const starts = new Float64Array(n);
  const sessions: number[] = [];
  const { t0, intervalMs, bootMs } = clock;
  const up = simChallenge(id, 1);
  const down = simChallenge(id, 0);
  let coldStarts = 0;
  let arrived = 0; // submissions with arrival <= t
  let assigned = 0; // submissions given an evaluation start
  let completed = 0; // submissions completed at or before t
  let lastCompletion = -Infinity;
  let isUp = false;
  let requestedAt = 0;
  let readyAt = 0;
  let memory: ChallengeMemory | undefined;
  // Anticipation (docs/simulate.md, "Anticipation (scale-workers)"): every tick from t0 is evaluated,
  // and the forecast reads this challenge's own pending of the ticks so far (past[0..k]) only.
  const ft = anticipate ? forecastTicks(intervalMs, bootMs, 0) : undefined;
  const past: number[] = [];
  let lastBusyTick = -Infinity;
  let k = anticipate ? 0 : Math.ceil((subs[0]!.arrivalMs - t0) / intervalMs);
  // Keep-alive from the idle times (docs/simulate.md, "Keep-alive from the challenge's idle times"):
  // every tick is evaluated, and the decision reads the idle times this run has seen end so far.
  const keepAlive = policy.keepAlive;
  let idleTimes: number[] = [];

  const assign = (): void => {
    for (; assigned < arrived; assigned++) {
      const s = subs[assigned]!;
      const start = Math.max(s.arrivalMs, lastCompletion, readyAt);
      starts[assigned] = start;
      lastCompletion = start + s.durationMs;
    }
  };
  const completionOf = (j: number): number => starts[j]! + subs[j]!.durationMs;

  for (;;) {
    const t = t0 + k * intervalMs;
    while (arrived < n && subs[arrived]!.arrivalMs <= t) arrived++;
    if (isUp) assign();
    while (completed < assigned && completionOf(completed) <= t) completed++;
    let pending = arrived - completed;
    // An idle time ends at the first tick that sees something pending again: it is known from then on.
    if (keepAlive && pending > 0 && memory?.idleSince !== undefined) idleTimes = recordIdle(idleTimes, t - Date.parse(memory.idleSince), keepAlive.maxSamples);
    if (anticipate && ft) {
      past.push(pending);
      if (pending > 0) lastBusyTick = k;
      const forecast = ruleForecast(past, ft.ticksPerDay, ft.leadTicks, anticipate);
      // The decision sees the larger of what is pending and the forecast (rounded to a whole submission).
      if (forecast !== null) pending = Math.max(pending, Math.round(forecast));
    }
    const now = times.at(k);
    const wasUp = isUp;
    const decision = decideWorkers(wasUp ? up : down, pending, policy, now, memory ?? { lastSeenAt: '' }, keepAlive ? idleTimes : null);
    if (decision.action === 'start') {
      isUp = true;
      requestedAt = t;
      readyAt = t + bootMs;
      coldStarts++;
      assign();
    } else if (decision.action === 'stop') {
      isUp = false;
      sessions.push(requestedAt, t);
    }
    memory = remember(memory, { pending, capacityUp: wasUp }, { action: decision.action, status: 'done' }, WORKER_ACTIONS, now);

    if (keepAlive || (anticipate && ft)) {
      // Every tick, until everything completed, the worker is down, and: with anticipation, no day of
      // the history the forecast can still read had anything pending (it answers 0 from then on);
      // with keep-alive, the challenge has been idle for the histogram's range (no start time lies
      // beyond it).
      const forecastDone = !(anticipate && ft) || k + ft.leadTicks - anticipate.days * ft.ticksPerDay > lastBusyTick;
      const keepAliveDone = !keepAlive || (memory.idleSince !== undefined && t - Date.parse(memory.idleSince) >= keepAlive.rangeMs);
      if (arrived === n && completed === n && !isUp && forecastDone && keepAliveDone) break;
      k++;
    } else if (isUp && pending === 0 && decision.action === 'none') {
      // Kept by --scale-down-delay / --min-uptime. Until the next arrival the ticks see the same
      // thing (worker up, nothing pending, the same memory but for lastSeenAt), and the hold rules
      // are monotone in time (each holds while an elapsed time is below its threshold): the first
      // tick that stops is found by search, and the ticks before it are all "kept".
      const nextArrival = arrived < n ? Math.ceil((subs[arrived]!.arrivalMs - t0) / intervalMs) : Infinity;
      const stopsAt = (j: number) => decideWorkers(up, 0, policy, times.at(j), memory!).action === 'stop';
      let lo = k; // kept
      let step = 1;
      let hi = k + step;
      while (hi < nextArrival && !stopsAt(hi)) {
        lo = hi;
        step *= 2;
        hi = k + step;
      }
      if (hi >= nextArrival) hi = nextArrival;
      // Now lo keeps, and hi stops or is the next arrival's tick: the first stop in (lo, hi].
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (stopsAt(mid)) hi = mid;
        else lo = mid;
      }
      k = hi;
    } else if (isUp && pending > 0) {
      // Busy (or just started): pending stays above 0 (the decision "none", the memory unchanged) at
      // every tick before the last assigned submission completes; later arrivals are assigned at
      // that tick exactly as they would have been tick by tick (first in, first out, the worker up
      // throughout).
      k = Math.max(k + 1, Math.ceil((lastCompletion - t0) / intervalMs));
    } else if (isUp || pending > 0) {
      k++;
    } else if (arrived < n) {
      // Down and nothing pending (idle, or just stopped): every tick before the next arrival decides
      // "none" with nothing new to remember (idleSince already set, no capacity).
      k = Math.max(k + 1, Math.ceil((subs[arrived]!.arrivalMs - t0) / intervalMs));
    } else {
      break;
    }
  }
  return { starts, sessions, coldStarts };
}

/**
 * Always on: the worker is started at the first tick at or after the challenge's first arrival
 * and stopped at `endTick`, the first tick at which every submission of the trace has completed
 * under this policy (the caller finds it: it is the same for every challenge).
 */
export function runAlwaysOn(subs: readonly TraceSubmission[], clock: SimClock): { starts: Float64Array; requestedAt: number; lastCompletion: number } {
  const { t0, intervalMs, bootMs } = clock;
  const requestedAt = t0 + Math.ceil((subs[0]!.arrivalMs - t0) / intervalMs) * intervalMs;
  const readyAt = requestedAt + bootMs;
  const starts = new Float64Array(subs.length);
  let last = -Infinity;
  subs.forEach((s, j) => {
    starts[j] = Math.max(s.arrivalMs, last, readyAt);
    last = starts[j]! + s.durationMs;
  });
  return { starts, requestedAt, lastCompletion: last };
}
