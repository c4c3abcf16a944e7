import { decide, EMPTY_HISTORY, type PoolHistory } from '../pool/decide.js';
import type { Demand } from '../pool/demand/demand.js';
import type { Host } from '../pool/host.js';
import { desiredSize, type DesiredSize, type PoolPolicy } from '../pool/policy.js';
import { forecastTicks, ruleForecast, seasonalForecast, type Anticipation } from './forecast.js';
import type { HostState } from '../pool/states.js';
import type { SimClock } from './model.js';
import type { TraceSubmission } from './trace.js';

/** One host of the simulated pool. */
interface SimHost {
  id: string;
  state: HostState;
  since: number;
  launchedAt: number;
  /** launch tick + boot: from then on it runs jobs (unless draining). */
  readyAt: number;
  /** Per slot, when its current job completes (-Infinity: never used). */
  busyUntil: Float64Array;
}

/** What one pool policy did to the trace. */
export interface PoolRun {
  /** Evaluation start of each submission (FIFO order, as the trace). */
  starts: Float64Array;
  /** Host sessions [launch tick, terminate tick] flattened; hosts still up when the run settled end at NaN. */
  sessions: number[];
  launches: number;
  /** The tick at which the pool settled (see docs/simulate.md, "Pools"). */
  settledAt: number;
}

/** Jobs a simulated host runs at once: the pool's jobs per host, rounded down, at least 1. */
export function slotsPerHost(policy: PoolPolicy): number {
  return Math.max(1, Math.floor(policy.jobsPerHost));
}

/**
 * The anticipatory size: the reactive rule's hosts for the larger of n and the forecast. Never more
 * than the reactive rule asked for a demand the pool saw at that time of day on one of the last days;
 * the clamp to [min, max] and the scale-down delay and min uptime (in decide) stand.
 */
function anticipatedSize(reactive: (n: number, p: PoolPolicy) => DesiredSize, forecast: number, a: Anticipation): (n: number, p: PoolPolicy) => DesiredSize {
  return (n, p) => {
    const now = reactive(n, p);
    const ahead = reactive(forecast, p);
    if (ahead.hosts <= now.hosts) return now;
    return { ...ahead, rule: `${ahead.rule ?? 'n + 2√n'} for n=${forecast}, the forecast (${a.rise ? 'n + the rise' : 'the demand'} seen at boot ahead on the last ${a.days} day(s), ${a.stat ?? 'max'}), not n` };
  };
}

/** How long after the last arrival a pool may take to settle before the simulation gives up. */
const SETTLE_LIMIT_MS = 30 * 86_400_000;

/**
 * The trace through a pool policy, tick by tick, with the pool's own pure decision (pool/decide.ts)
 * as scale-pool's tick calls it. The model (docs/simulate.md, "Pools"):
 * - one queue: every submission is one job needing one slot, first in first out, whatever its challenge;
 * - a tick at t0 + k·interval from k = 0; at a tick, the decision comes first, then jobs start;
 * - demand at t: queued = arrived at or before t and not started; in flight = started and not
 *   completed at or before t; n = queued + in flight, always known;
 * - each host is seen as EC2 would show it (pending before launch + boot, running after) with the
 *   probe answering healthy and its running jobs;
 * - a launched host runs jobs from launch + boot until it is drained; a drained host runs no new
 *   job; a host moved to terminating is gone at that tick (host time = terminate tick − launch tick);
 * - between ticks each job starts at max(arrival, the earliest free slot of a host taking jobs,
 *   that host's ready time, the tick), if that is before the next tick.
 */
export function runPoolPolicy(subs: readonly TraceSubmission[], policy: PoolPolicy, clock: SimClock, size?: (n: number, policy: PoolPolicy) => DesiredSize, anticipate?: Anticipation): PoolRun {
  const past: number[] = [];
  const ft = anticipate ? forecastTicks(clock.intervalMs, clock.bootMs, anticipate.windowMs) : undefined;
  const reactive = size ?? desiredSize;
  const n = subs.length;
  const starts = new Float64Array(n);
  const sessions: number[] = [];
  const slots = slotsPerHost(policy);
  const { t0, intervalMs, bootMs } = clock;
  let hosts: SimHost[] = [];
  let history: PoolHistory = EMPTY_HISTORY;
  let launches = 0;
  let nextId = 1;
  let arrived = 0;
  let assigned = 0;
  let lastCompletion = -Infinity;
  const giveUpAt = subs[n - 1]!.arrivalMs + SETTLE_LIMIT_MS;

  for (let k = 0; ; k++) {
    const t = t0 + k * intervalMs;
    if (t > giveUpAt) throw new Error(`the pool did not settle within 30 days of the last arrival (at ${new Date(t).toISOString()})`);
    while (arrived < n && subs[arrived]!.arrivalMs <= t) arrived++;
    const jobsOn = (h: SimHost): number => h.busyUntil.reduce((c, until) => c + (until > t ? 1 : 0), 0);
    let inFlight = 0;
    for (const h of hosts) inFlight += jobsOn(h);
    const queued = arrived - assigned;
    const demand: Demand = { known: true, n: queued + inFlight, queued, inFlight, source: 'trace' };
    const seen: Host[] = hosts.map((h) => {
      const running = t >= h.readyAt;
      return { id: h.id, state: h.state, since: h.since, launchedAt: h.launchedAt, cloud: running ? 'running' : 'pending', ...(running ? { probe: { ok: true, healthy: true, jobs: jobsOn(h) } } : {}) };
    });
    // Anticipation: the forecast sees the demand of this tick and the earlier ones only (past).
    past.push(demand.n);
    const forecast = !anticipate || !ft ? null : ft.windowTicks > 0 ? seasonalForecast(past, ft.ticksPerDay, ft.leadTicks, ft.windowTicks, anticipate.days) : ruleForecast(past, ft.ticksPerDay, ft.leadTicks, { days: anticipate.days, stat: anticipate.stat ?? 'max', rise: anticipate.rise ?? false });
    const sizeNow = forecast !== null && forecast > demand.n ? anticipatedSize(reactive, forecast, anticipate!) : size;
    const decision = decide({ hosts: seen, demand, policy, history, now: t, ...(sizeNow ? { size: sizeNow } : {}) });
    history = decision.history;

    const byId = new Map(hosts.map((h) => [h.id, h]));
    for (const m of decision.moves) {
      const h = byId.get(m.hostId)!;
      if (m.to === 'terminating' || m.to === 'terminated') {
        sessions.push(h.launchedAt, t);
        byId.delete(h.id);
      } else if (m.to === 'ready' || m.to === 'draining') {
        h.state = m.to;
        h.since = t;
      } else {
        throw new Error(`simulate: unexpected move ${m.from} -> ${m.to} (${m.reason})`);
      }
    }
    hosts = hosts.filter((h) => byId.has(h.id));
    for (let i = 0; i < decision.launches.count; i++) {
      hosts.push({ id: `h${nextId++}`, state: 'launching', since: t, launchedAt: t, readyAt: t + bootMs, busyUntil: new Float64Array(slots).fill(-Infinity) });
      launches++;
    }

    // Jobs start until the next tick, first in first out, each on the earliest free slot.
    const tNext = t + intervalMs;
    const taking = hosts.filter((h) => h.state !== 'draining');
    while (assigned < n && subs[assigned]!.arrivalMs < tNext && taking.length > 0) {
      let best: SimHost | undefined;
      let bestSlot = 0;
      let bestAt = Infinity;
      for (const h of taking) {
        for (let s = 0; s < slots; s++) {
          const at = Math.max(h.busyUntil[s]!, h.readyAt);
          if (at < bestAt) [best, bestSlot, bestAt] = [h, s, at];
        }
      }
      const job = subs[assigned]!;
      const start = Math.max(job.arrivalMs, bestAt, t);
      if (start >= tNext) break;
      starts[assigned] = start;
      best!.busyUntil[bestSlot] = start + job.durationMs;
      lastCompletion = Math.max(lastCompletion, start + job.durationMs);
      assigned++;
    }

    const settled =
      assigned === n &&
      lastCompletion <= t &&
      decision.moves.length === 0 &&
      decision.launches.count === 0 &&
      hosts.every((h) => h.state === 'ready') &&
      decision.desired !== null &&
      hosts.length === decision.desired.hosts;
    if (settled) {
      for (const h of hosts) sessions.push(h.launchedAt, Number.NaN);
      return { starts, sessions, launches, settledAt: t };
    }
  }
}
