import pLimit from 'p-limit';
import { describeError } from '../runtime/errors.js';
import type { CapacityBackoff, LaunchAttempt, OtherLaunch, PoolBackend, Recheck, TerminateItem } from './backend.js';
import { decide, type PoolDecision, type PoolHistory, type ShapedNeed } from './decide.js';
import type { Demand, DemandSource } from './demand/demand.js';
import type { Host, ProbeResult } from './host.js';
import { pruneBackoff } from './capacity-backoff.js';
import { disposeInterruptions, type InterruptionSummary } from './interruption-disposal.js';
import type { InterruptionSource, ReceivedInterruption } from './interruption-queue.js';
import { liveCap, type PoolPolicy } from './policy.js';
import { PROBE_CONCURRENCY } from './probe.js';
import type { Move } from './states.js';
import { holdForPause } from './pause-hold.js';
import type { PauseHold } from './pause.js';

/** What a pool keeps between ticks (in the state file). The hosts' states live on the hosts. */
export interface PoolTickState {
  history: PoolHistory;
  backoff: CapacityBackoff;
}

export const EMPTY_TICK_STATE: PoolTickState = { history: { belowSince: null }, backoff: {} };

export interface TickInput {
  pool: string;
  policy: PoolPolicy;
  backend: PoolBackend;
  demand: DemandSource;
  /**
   * The health probe, when the pool file has one. It may answer null: nothing known about this
   * host this time (a cluster-wide source such as the Ray dashboard is down): the host is then
   * judged as if there were no probe, and a terminate that rests on the probe is not made.
   */
  probe?: (host: Host) => Promise<ProbeResult | null>;
  state: PoolTickState;
  now: number;
  dryRun: boolean;
  /** Probes in flight at once, at observe and for the re-checks before terminates (PROBE_CONCURRENCY when absent). */
  probeConcurrency?: number;
  /**
   * Asked before each drain, terminate and launch is carried out (the run's ActionGuard: --max-actions,
   * a signal): null to go ahead, or why not. A refused drain or terminate is reported `refused`; a
   * refused launch is not sent. Moves that record what was observed (ready, unhealthy, terminated)
   * are not asked.
   */
  claim?: (target: string, action: string) => string | null;
  /** In a dry run, ask the backend to validate the launch it would make (EC2 DryRun). */
  validateLaunches?: boolean;
  /** The pool's interruption queue (backend.interruptionQueue): received each tick, deleted once handled. */
  interruptions?: InterruptionSource;
  /** The pool is paused (or its pause cannot be read): decided as usual, every action held (pause-hold.ts). */
  hold?: PauseHold;
  /**
   * Several worker types (SLURM + Ray): what the pending demand's resource shapes need started,
   * given the observed hosts (a pure plan on the demand's last look); null when there is none.
   */
  shape?: (hosts: readonly Host[], maxHosts: number) => ShapedNeed | null;
}

/** `held`: decided, but not carried out because the pool is paused. */
export type ActStatus = 'done' | 'planned' | 'failed' | 'refused' | 'held';

/** A paused pool, as its report says it: since when (ISO), by whom, why; `since` null when its pause could not be read. */
export interface PausedReport {
  since: string | null;
  by: string | null;
  reason?: string;
  /** "held: pool paused since … by …": what every held action says. */
  held: string;
}

export interface ReportedMove extends Move {
  status: ActStatus;
  error?: string;
}

export interface TickReport {
  pool: string;
  dryRun: boolean;
  demand: Demand | null;
  desiredHosts: number | null;
  why: string;
  moves: ReportedMove[];
  launches: { wanted: number; reason: string; status: ActStatus | 'none'; launched: string[]; attempts: LaunchAttempt[]; error?: string; refused?: number };
  /** The terminate (EC2's TerminateInstances, SLURM's scancel) was sent for these. */
  terminated: string[];
  /** The hosts as observed at the start of the tick, with probe answers. */
  hosts: Host[];
  /** The state to keep for the next tick (unchanged by a dry run). */
  state: PoolTickState;
  /** What was received from the interruption queue and what became of it; absent without one. */
  interruptions?: InterruptionSummary;
  /** Present when the pool is paused: nothing was launched, drained or terminated. */
  paused?: PausedReport;
  /** What needs a person's look without failing the tick (the default allocation fell back to RunInstances). */
  warnings?: string[];
  /** A tick fails when it could not observe, the demand is unknown, or an action failed. */
  failed: boolean;
  errors: string[];
}

/** States whose host is asked by the probe. */
const PROBED = new Set(['launching', 'ready', 'draining', 'unhealthy']);

/**
 * One tick of a pool: observe (the backend's hosts, the demand, the probes) -> decide (pure) -> act
 * (state tags, terminates after a re-check, launches after a re-count) -> report. A dry run takes the
 * same path and stops before the first call that changes anything.
 */
export async function tick(input: TickInput): Promise<TickReport> {
  const { pool, policy, backend, now, dryRun } = input;
  const report: TickReport = {
    pool,
    dryRun,
    demand: null,
    desiredHosts: null,
    why: '',
    moves: [],
    launches: { wanted: 0, reason: '', status: 'none', launched: [], attempts: [] },
    terminated: [],
    hosts: [],
    state: input.state,
    failed: false,
    errors: [],
  };
  const fail = (message: string): void => {
    report.failed = true;
    report.errors.push(message);
  };

  // Observe. The interruption queue is read beside the hosts and the demand; a queue that cannot be
  // read fails the tick but stops nothing else: the pool is sized without its notices.
  const queue = input.interruptions;
  const receiving = queue?.receive({ dryRun }).catch((err: unknown) => {
    fail(`interruption queue: ${describeError(err)}; the pool is sized without its notices this tick`);
    return { messages: [] as ReceivedInterruption[], malformed: 0, error: describeError(err) };
  });
  /** Deletes what was handled (never in a dry run), and says what became of each message. */
  const settle = async (poolHosts: ReadonlySet<string>, moves: readonly ReportedMove[], leftBecause?: string): Promise<void> => {
    if (!queue || !receiving) return;
    const got = await receiving;
    const out = disposeInterruptions(queue.name, got.messages, poolHosts, moves, dryRun);
    const summary = out.summary;
    if (leftBecause) {
      summary.kept = got.messages.filter((m) => !('unreadable' in m.parsed)).map((m) => ({ messageId: m.message.messageId, reason: leftBecause }));
      out.remove.length = 0;
    }
    if ('error' in got) summary.error = got.error;
    if (got.malformed > 0) summary.unreadable.push({ messageId: '(none)', reason: `${got.malformed} message(s) without an id or receipt handle: not readable, not deletable` });
    if (out.remove.length > 0) {
      const deleted = await queue.delete(out.remove).catch((err: unknown) => ({ deleted: [] as string[], failed: out.remove.map((m) => ({ messageId: m.messageId, error: describeError(err) })) }));
      summary.deleted = deleted.deleted.length;
      if (deleted.failed.length > 0) {
        summary.error = `${deleted.failed.length} message(s) not deleted (${deleted.failed[0]!.error}): they come back after the queue's visibility timeout and are handled again, with no effect twice`;
        fail(`interruption queue: ${summary.error}`);
      }
    }
    report.interruptions = summary;
  };
  let hosts: Host[];
  let others: OtherLaunch[] = [];
  try {
    [hosts, report.demand] = await Promise.all([backend.list().then((l) => ((others = l.others ?? []), l.hosts)), input.demand.read()]);
  } catch (err) {
    fail(`observe: ${describeError(err)}`);
    report.why = 'the pool could not be listed: nothing decided';
    await settle(new Set(), [], 'the pool could not be listed: left for the next receive');
    return report;
  }
  const demand = report.demand;
  const probeConcurrency = input.probeConcurrency ?? PROBE_CONCURRENCY;
  if (input.probe) hosts = await probeAll(hosts, input.probe, probeConcurrency);
  report.hosts = hosts;
  if (!demand.known) fail(`demand: ${demand.reason}`);

  // Decide. A paused pool is decided as usual, then every action is held.
  const shaped = demand.known && input.shape ? input.shape(hosts, policy.maxHosts) : null;
  const notices = receiving ? (await receiving).messages.flatMap((m) => ('notice' in m.parsed ? [m.parsed.notice] : [])) : [];
  const decided = decide({ hosts, demand, policy, history: input.state.history, now, ...(notices.length > 0 ? { interruptions: notices } : {}), ...(shaped ? { shaped } : {}) });
  const hold = input.hold ? holdForPause(decided, input.hold) : null;
  const decision = hold?.decision ?? decided;
  if (input.hold && hold) {
    const p = 'pause' in input.hold ? input.hold.pause : null;
    report.paused = { since: p ? new Date(p.since).toISOString() : null, by: p?.by ?? null, ...(p?.reason ? { reason: p.reason } : {}), held: hold.line };
    if (!p) fail(`pause: ${hold.line}`);
  }
  const poolHosts = new Set(hosts.map((h) => h.id));
  report.desiredHosts = decision.desired?.hosts ?? null;
  report.why = decision.why;
  report.launches.wanted = decision.launches.count;
  report.launches.reason = decision.launches.reason;
  if (hold && hold.heldLaunches > 0) Object.assign(report.launches, { wanted: hold.heldLaunches, status: 'held' });
  const nextState: PoolTickState = { history: decision.history, backoff: input.state.backoff };

  // The guard is asked on the same path in a dry run, so a dry run shows what the cap would refuse.
  const reported = new Map<Move, ReportedMove>(decision.moves.map((m) => [m, hold?.held.has(m) ? { ...m, status: 'held', error: hold.line } : { ...m, status: dryRun ? 'planned' : 'done' }]));
  const claim = input.claim ?? (() => null);
  const allowed = decision.moves.filter((m) => {
    if (hold?.held.has(m)) return false;
    if (m.to !== 'draining' && m.to !== 'terminating') return true;
    const refusal = claim(`host ${m.hostId}`, `${m.from} -> ${m.to}`);
    if (refusal !== null) Object.assign(reported.get(m)!, { status: 'refused', error: refusal });
    return refusal === null;
  });
  const retries = decision.retryTerminate.filter((r) => claim(`host ${r.hostId}`, 'terminate again') === null);
  let launchCount = 0;
  let launchRefusal: string | null = null;
  for (let k = 1; k <= decision.launches.count && launchRefusal === null; k += 1) {
    launchRefusal = claim(`launch ${pool} #${k}`, 'launch');
    if (launchRefusal === null) launchCount = k;
  }
  // Another scheduler launched into this pool lately, without coordination: nothing launched.
  const other = others.find((o) => o.launchedAt >= now - policy.launchTimeoutMs);
  if (other && launchCount > 0) {
    report.launches.status = 'failed';
    report.launches.error = anotherScheduler(other, pool);
    launchCount = 0;
  }
  if (other) fail(`launch: ${anotherScheduler(other, pool)}`);
  if (launchRefusal !== null) {
    report.launches.refused = decision.launches.count - launchCount;
    report.launches.reason += `; ${report.launches.refused} not launched: ${launchRefusal}`;
    if (launchCount === 0) report.launches.status = 'refused';
  }

  const launchOptions = { now, maxHosts: policy.maxHosts, maxLiveHosts: liveCap(policy), launchTimeoutMs: policy.launchTimeoutMs, backoff: input.state.backoff, ...(shaped ? { types: { order: shaped.order, fallback: shaped.fallback } } : {}) };
  if (dryRun) {
    report.moves = decision.moves.map((m) => reported.get(m)!);
    if (launchCount > 0) report.launches.status = 'planned';
    // A dry run asks the cloud whether the launch would be allowed (EC2 DryRun, sbatch --test-only), when the backend can.
    if (launchCount > 0 && input.validateLaunches && backend.validateLaunch) {
      try {
        const out = await backend.validateLaunch(launchCount, launchOptions);
        report.launches.attempts = out.attempts;
        if (out.warnings?.length) report.warnings = [...out.warnings];
        if (out.limitedBy) report.launches.reason += `; ${out.limitedBy}`;
        if (out.note) report.launches.reason += `; ${out.note}`;
        if (out.error) {
          report.launches.status = 'failed';
          report.launches.error = out.error;
          fail(`launch: ${out.error}`);
        }
      } catch (err) {
        report.launches.status = 'failed';
        report.launches.error = describeError(err);
        fail(`launch: ${describeError(err)}`);
      }
    }
    await settle(poolHosts, report.moves);
    return report;
  }

  // Act: state tags first, then terminates (each re-checked), then launches (after a re-count).
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const tagMoves = allowed.filter((m) => m.to !== 'terminating' && m.to !== 'terminated');
  if (tagMoves.length > 0) {
    try {
      await backend.writeStates(tagMoves);
    } catch (err) {
      for (const m of tagMoves) Object.assign(reported.get(m)!, { status: 'failed', error: describeError(err) });
      fail(`state tags: ${describeError(err)}`);
    }
  }
  // Gone hosts: recorded in the pool state whatever happens to the tag (EC2 may refuse tags on a
  // terminated instance), so a failed tag is reported on the move but does not fail the tick.
  const goneMoves = allowed.filter((m) => m.to === 'terminated');
  if (goneMoves.length > 0) {
    try {
      await backend.writeStates(goneMoves);
    } catch (err) {
      for (const m of goneMoves) Object.assign(reported.get(m)!, { status: 'failed', error: `recorded in the pool state; the state tag could not be written: ${describeError(err)}` });
    }
  }

  const terminateMoves = allowed.filter((m) => m.to === 'terminating');
  const items: TerminateItem[] = [...terminateMoves.map((m) => ({ hostId: m.hostId, move: m })), ...retries.map((r) => ({ hostId: r.hostId }))];
  if (items.length > 0) {
    try {
      // The re-checks run as wide as the observe probes.
      const limit = pLimit(probeConcurrency);
      const recheck = recheckFor(decision, byId, input);
      const out = await backend.terminate(items, (h) => limit(() => recheck(h)));
      report.terminated = out.terminated;
      const moveOf = new Map(terminateMoves.map((m) => [m.hostId, m]));
      for (const r of out.refused) {
        const m = moveOf.get(r.hostId);
        if (m) Object.assign(reported.get(m)!, { status: 'refused', error: r.reason });
      }
    } catch (err) {
      for (const m of terminateMoves) Object.assign(reported.get(m)!, { status: 'failed', error: describeError(err) });
      fail(`terminate: ${describeError(err)}`);
    }
  }
  report.moves = decision.moves.map((m) => reported.get(m)!);

  if (launchCount > 0) {
    try {
      const out = await backend.launch(launchCount, launchOptions);
      nextState.backoff = out.backoff;
      if (out.warnings?.length) report.warnings = [...out.warnings];
      // Instances of an earlier launch whose answer was lost are reported once they are named.
      report.launches.launched = [...(out.resolved ?? []), ...out.launched.map((h) => h.id)];
      report.launches.attempts = out.attempts;
      if (out.limitedBy) report.launches.reason += `; ${out.limitedBy}`;
      else if (out.allowed < out.wanted) {
        report.launches.reason += `; the re-count right before launching found ${out.recounted} ready + launching, room for ${out.allowed}`;
      }
      // A shortfall: fewer launched than the maxHosts cap left room for (capacity, avoided offers,
      // the live cap, an unknown outcome) is a failure, not `done`.
      const room = out.roomAtMax ?? out.allowed;
      const short = out.launched.length < room;
      report.launches.status = out.error || short ? 'failed' : 'done';
      if (out.error) {
        report.launches.error = out.error;
        fail(`launch: ${out.error}`);
      } else if (short) {
        report.launches.error = `launched ${out.launched.length} of ${room} while below max ${policy.maxHosts}${out.limitedBy ? ` (${out.limitedBy})` : ''}`;
        fail(`launch: ${report.launches.error}`);
      }
    } catch (err) {
      report.launches.status = 'failed';
      report.launches.error = describeError(err);
      fail(`launch: ${describeError(err)}`);
    }
  } else {
    // Backoffs that have run out are dropped even on a tick that launches nothing.
    nextState.backoff = pruneBackoff(input.state.backoff, now);
  }
  report.state = nextState;
  // Last: a message is deleted only once the moves and launches it called for were made.
  await settle(poolHosts, report.moves);
  return report;
}

function anotherScheduler(o: OtherLaunch, pool: string): string {
  return `another scheduler (id ${o.scheduler}) launched ${o.id} into pool ${pool} at ${new Date(o.launchedAt).toISOString()}: one scheduler per pool is supported unless backend.coordination is configured: nothing launched this tick`;
}

async function probeAll(hosts: Host[], probe: (h: Host) => Promise<ProbeResult | null>, concurrency: number): Promise<Host[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    hosts.map((h) =>
      PROBED.has(h.state) && h.cloud === 'running'
        ? limit(async () => {
            const answer = await probe(h).catch((err: unknown): ProbeResult => ({ ok: false, error: describeError(err) }));
            return answer ? { ...h, probe: answer } : h;
          })
        : h,
    ),
  );
}

/**
 * Right before every terminate (a first try, a retry of a host already `terminating`, a launch
 * timeout, a host unhealthy past its timeout, an orphan), ask again:
 * - with a probe, the probe: an answer of jobs > 0 always keeps the host (no busy host is killed);
 *   an answer of 0 jobs lets it go. A probe that cannot answer keeps a host whose terminate rests on
 *   idleness (ground `idle`: it was shown idle once and cannot be shown idle again), unless this
 *   tick's probe had already failed and the idleness came from the demand, which is then asked as
 *   below; it does not
 *   keep a host removed because it is broken or still queued: that host was not shown busy.
 * - without a probe (or for an idle host the probe did not show idle), the demand source: work in
 *   flight again, or a demand now unknown, keeps an `idle` host. A stopped instance runs nothing.
 */
function recheckFor(decision: PoolDecision, byId: Map<string, Host>, input: TickInput): Recheck {
  let demandAgain: Promise<Demand> | undefined;
  return async (fresh) => {
    const ground = decision.grounds[fresh.id] ?? 'broken';
    const observed = byId.get(fresh.id);
    if (fresh.cloud === 'stopped' || fresh.cloud === 'stopping') return null;
    if (input.probe && fresh.cloud === 'running') {
      const again = await input.probe(fresh).catch((err: unknown): ProbeResult => ({ ok: false, error: describeError(err) }));
      if (again?.ok && again.jobs > 0) return `re-check before terminate: the probe now says ${again.jobs} job(s): kept`;
      if (again?.ok) return null;
      if (ground !== 'idle') return null;
      // Idle by the probe (or a retry: shown idle by it when first decided): no answer now, kept.
      // Idle by the demand while this tick's probe failed: the demand is asked below.
      if (observed?.probe === undefined || observed.probe.ok) {
        if (!again) return 're-check before terminate: the probe has no answer about this host now: kept this tick';
        return `re-check before terminate: the probe no longer answers (${again.error}): kept this tick`;
      }
    }
    if (ground !== 'idle') return null;
    demandAgain ??= input.demand.read();
    const d = await demandAgain;
    if (!d.known) return `re-check before terminate: the demand is now unknown (${d.reason}): kept this tick`;
    if (d.inFlight > 0) return `re-check before terminate: ${d.inFlight} job(s) in flight again: kept`;
    return null;
  };
}
