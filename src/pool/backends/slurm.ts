import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { formatDuration } from '../../runtime/duration.js';
import { ConfigError, describeError } from '../../runtime/errors.js';
import { exec as realExec, type Exec } from '../../runtime/exec.js';
import type { LaunchOptions, LaunchOutcome, PoolBackend, Recheck, TerminateItem, TerminateOutcome } from '../backend.js';
import type { SlurmBackendConfig, SlurmWorkerType } from '../config.js';
import type { CloudState, Host, ProbeResult } from '../host.js';
import type { Move } from '../states.js';
import { FINAL_STATES, slurmCommands, type SlurmJob } from './slurm-commands.js';
import { readHostRecords, writeHostRecords, type HostRecord, type HostRecords } from './slurm-hosts-file.js';

/**
 * Workers as SLURM jobs (seed 004): submitted with sbatch from the pool's job script, seen with
 * squeue, cancelled with scancel. A job is the pool's only when it carries both marks set at
 * submission: the name `<pool>-worker` and a comment starting `evalai-autoscaler:pool=<pool>`.
 * Nothing else is ever cancelled, not even the same user's other jobs (seed 004 cancelled the
 * user's first N jobs).
 *
 * How SLURM maps onto the host states (the state machine is the pool's, unchanged):
 * - PENDING (in the queue) is `pending` to the pool, and the host is `queued`: it holds nothing,
 *   so it is the first dropped when fewer workers are wanted, and its launch clock has not started.
 * - RUNNING is `running`. Whether it is ready is the Ray probe's answer: its Ray node is alive. A
 *   job RUNNING with no Ray node past the launch timeout (counted from the job's start) is
 *   terminated (seed 004's zombie); a ready job whose node died becomes unhealthy.
 * - COMPLETING is `shutting-down`, SUSPENDED `stopped`; finished, cancelled, failed, timed out or
 *   gone from squeue is `terminated`.
 * - A job within `replaceBefore` of its wall time answers the probe as unhealthy, so it stops
 *   counting and, if demand still needs it, a replacement is submitted ahead of time.
 */
export interface SlurmBackendOptions {
  pool: string;
  config: SlurmBackendConfig;
  /** The file that keeps each job's host state (see slurm-hosts-file.ts). */
  statePath: string;
  /** The clock (ms). */
  now: () => number;
  /** Injected in tests; spawns the configured commands otherwise. */
  exec?: Exec;
  /** A dry run or `status`: listings write nothing (the hosts file is only read). */
  readOnly?: boolean;
  /** The signal the run got, if any: no sbatch or scancel is started after it. */
  interrupted?: () => string | undefined;
  /**
   * Asked right before every scancel of a job that has started (first try, retry, launch or
   * unhealthy timeout): a reason to keep it (its Ray node holds tasks, or Ray cannot say), or null.
   */
  busy?: (host: Host) => Promise<string | null>;
  /** Where worker logs go when the pool file sets no `output`: `<logDir>/%j.out`. */
  logDir?: string;
  /** `run --dry-run`: a launch the tick would make is checked with `sbatch --test-only`. */
  validateLaunches?: boolean;
}

export const jobName = (pool: string): string => `${pool}-worker`;
export const jobComment = (pool: string, type: string): string => `evalai-autoscaler:pool=${pool} type=${type}`;
/** The Ray node name the job script registers the worker under (`ray start --node-name`). */
export const rayNodeName = (pool: string, jobId: string): string => `${pool}-slurm-${jobId}`;

/** True only for a job carrying both of this pool's marks. */
export function isPoolJob(job: Pick<SlurmJob, 'name' | 'comment'>, pool: string): boolean {
  if (job.name !== jobName(pool)) return false;
  const mark = `evalai-autoscaler:pool=${pool}`;
  return job.comment === mark || job.comment.startsWith(`${mark} `);
}

function typeOf(job: SlurmJob): string | undefined {
  return /(?:^| )type=([^ ]+)/.exec(job.comment)?.[1];
}

const QUEUED = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD']);
const STARTING = new Set(['CONFIGURING']);
const RUNNING = new Set(['RUNNING', 'RESIZING', 'SIGNALING']);
const ENDING = new Set(['COMPLETING', 'STAGE_OUT']);
const STOPPED = new Set(['SUSPENDED', 'STOPPED']);

/**
 * Only a final state (COMPLETED, CANCELLED, FAILED, TIMEOUT, …) is `terminated`. A state this
 * code does not know (a newer Slurm's, or UNKNOWN from an answer it could not read) is `pending`:
 * the job still counts against max and is never taken as gone.
 */
export function cloudStateOf(slurmState: string): CloudState {
  if (QUEUED.has(slurmState) || STARTING.has(slurmState)) return 'pending';
  if (RUNNING.has(slurmState)) return 'running';
  if (ENDING.has(slurmState)) return 'shutting-down';
  if (STOPPED.has(slurmState)) return 'stopped';
  if (FINAL_STATES.has(slurmState)) return 'terminated';
  return 'pending';
}

/** A job submitted and never listed since, this many listings and this long after sbatch, is under another user. */
export const NEVER_SEEN_LISTINGS = 2;
export const NEVER_SEEN_GRACE_MS = 2 * 60_000;
/**
 * Without an answer from sacct, a job squeue listed before and has not listed in this many
 * listings in a row over at least this long is taken as ended (squeue keeps a finished job for
 * MinJobAge, 300 s by default, so it ended before that): one empty or partial listing never is.
 */
export const GONE_LISTINGS = 3;
export const GONE_GRACE_MS = 5 * 60_000;

/** The host a job is, with its recorded state (untracked when there is none). */
export function jobToHost(job: SlurmJob, records: HostRecords, now: number): Host {
  const record = records.get(job.id);
  const queued = QUEUED.has(job.state);
  const cloud = cloudStateOf(job.state);
  const started = cloud !== 'pending' ? job.startTime : undefined;
  let since = record?.since ?? null;
  // The launch clock runs from the job's start: a job waiting in the queue has not started to launch.
  if (record?.state === 'launching') since = queued ? now : Math.max(record.since, started ?? record.since);
  const host: Host = {
    id: job.id,
    state: record?.state ?? 'untracked',
    since,
    cloud,
    launchedAt: started ?? job.submitTime ?? record?.since ?? now,
    queued,
    cloudSays: `SLURM says ${job.state}`,
  };
  const type = typeOf(job);
  if (type) host.instanceType = type;
  if (cloud === 'running' && job.endTime) host.endsAt = job.endTime;
  if (job.nodes) host.privateIp = job.nodes;
  host.slurm = { state: job.state, ...(job.nodes ? { node: job.nodes } : {}) };
  return host;
}

/** Single-quoted for sh. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The job script for one worker type: the template with its placeholders filled in. */
export function renderJobScript(pool: string, config: SlurmBackendConfig, type: SlurmWorkerType): string {
  const nodeName = `${rayNodeName(pool, '')}\${SLURM_JOB_ID}`;
  const rayStart = [
    shq(config.ray),
    'start',
    `--address=${shq(config.headAddress)}`,
    `--node-name="${nodeName}"`,
    `--num-cpus=${type.cpus}`,
    `--num-gpus=${type.gpus}`,
    ...(Object.keys(type.resources ?? {}).length > 0 ? [`--resources=${shq(JSON.stringify(type.resources))}`] : []),
    '--block',
  ].join(' ');
  const values: Record<string, string> = {
    pool,
    type: type.name,
    headAddress: config.headAddress,
    cpus: String(type.cpus),
    gpus: String(type.gpus),
    nodeName,
    setup: config.setup,
    rayStart,
  };
  return config.jobScript.replace(/\{([A-Za-z]+)\}/g, (m, key: string) => values[key] ?? m);
}

/** sbatch's options for one worker (the script comes on stdin). */
export function sbatchArgs(pool: string, config: SlurmBackendConfig, type: SlurmWorkerType, logDir?: string): string[] {
  const args = [`--job-name=${jobName(pool)}`, `--comment=${jobComment(pool, type.name)}`, `--time=${config.wallTime}`, '--nodes=1', '--ntasks=1', `--cpus-per-task=${type.cpus}`];
  const partition = type.partition ?? config.partition;
  if (partition) args.push(`--partition=${partition}`);
  if (config.account) args.push(`--account=${config.account}`);
  if (type.memory) args.push(`--mem=${type.memory}`);
  if (type.gres) args.push(`--gres=${type.gres}`);
  else if (type.gpus > 0) args.push(`--gpus=${type.gpus}`);
  if (config.output) args.push(`--output=${config.output}`);
  else if (logDir) args.push(`--output=${join(logDir, '%j.out')}`);
  args.push(...type.sbatchArgs);
  return args;
}

/** The last SLURM state a record knows, for a job no listing shows now. */
function lastKnownState(rec: HostRecord): string {
  return rec.slurm ?? (rec.state === 'launching' ? 'PENDING' : 'RUNNING');
}

export function slurmBackend(options: SlurmBackendOptions): PoolBackend & { warnings: string[] } {
  const { pool, config, statePath, now } = options;
  const user = config.user ?? userInfo().username;
  const commands = slurmCommands({ exec: options.exec ?? realExec, paths: config.commands, timeoutMs: config.commandTimeout, user, jobName: jobName(pool), squeueOutput: config.squeueOutput });
  const logDir = config.output ? undefined : resolve(options.logDir ?? join(dirname(statePath), 'slurm-logs', pool));
  const interrupted = options.interrupted ?? (() => undefined);
  const warnings: string[] = [];
  /** The pool's jobs as the last list() showed them to the decision. */
  let lastListed = new Map<string, SlurmJob>();

  const records = (): HostRecords => {
    const r = readHostRecords(statePath);
    if (r.warning && !warnings.includes(r.warning)) warnings.push(r.warning);
    return r.records;
  };
  const poolJobs = async (): Promise<SlurmJob[]> => (await commands.squeue()).filter((j) => isPoolJob(j, pool) && (j.user === undefined || j.user === user));

  async function writeStates(moves: readonly Move[]): Promise<void> {
    if (moves.length === 0) return;
    const r = records();
    for (const m of moves) r.set(m.hostId, { ...r.get(m.hostId), state: m.to, since: m.at });
    // A terminated job's record stays while squeue still lists the job (MinJobAge), so it is not adopted again.
    for (const [id, rec] of r) if (rec.state === 'terminated' && !lastListed.has(id)) r.delete(id);
    writeHostRecords(statePath, r);
  }

  /** A tracked job no listing shows now: as last seen, still counting. */
  function missingHost(id: string, rec: HostRecord, says: string, t: number): Host {
    const job: SlurmJob = { id, name: jobName(pool), comment: rec.type ? jobComment(pool, rec.type) : '', state: lastKnownState(rec) };
    return { ...jobToHost(job, new Map([[id, rec]]), t), launchedAt: rec.submitted ?? rec.since, cloudSays: says };
  }

  return {
    warnings,

    async list() {
      const jobs = await poolJobs();
      lastListed = new Map(jobs.map((j) => [j.id, j]));
      const r = records();
      const t = now();
      const hosts: Host[] = [];
      let changed = false;
      for (const job of jobs) {
        const rec = r.get(job.id);
        if (rec) {
          if (rec.seenAt !== t || rec.slurm !== job.state || rec.misses !== undefined) changed = true;
          rec.seenAt = t;
          rec.slurm = job.state;
          delete rec.misses;
          delete rec.missingSince;
        }
        // A finished job squeue still lists (MinJobAge) is recorded once as terminated, then left out.
        if (FINAL_STATES.has(job.state) && (!rec || rec.state === 'terminated')) continue;
        // Recorded as ended, yet listed alive again (a PREEMPTED job requeued under its id): adopted anew, not scancelled as a retry.
        if (rec?.state === 'terminated') {
          r.delete(job.id);
          changed = true;
        }
        hosts.push(jobToHost(job, r, t));
      }

      // The partition the job was submitted to (its type's, else the backend's), for `status`.
      for (const h of hosts) {
        const partition = config.workerTypes.find((w) => w.name === h.instanceType)?.partition ?? config.partition;
        if (partition && h.slurm) h.slurm.partition = partition;
      }
      // Jobs the file tracks that this listing does not show: ended only when SLURM says so.
      const missing = [...r].filter(([id, rec]) => !lastListed.has(id) && rec.state !== 'terminated');
      for (const [id, rec] of r) {
        if (rec.state === 'terminated' && !lastListed.has(id)) {
          r.delete(id);
          changed = true;
        }
      }
      const ended = missing.length > 0 ? await commands.sacct(missing.map(([id]) => id)) : new Map<string, string>();
      const neverSeen: string[] = [];
      for (const [id, rec] of missing) {
        const accounted = ended?.get(id);
        if (accounted && FINAL_STATES.has(accounted)) {
          hosts.push({ ...missingHost(id, rec, `sacct says ${accounted}`, t), cloud: 'terminated' });
          continue;
        }
        rec.misses = (rec.misses ?? 0) + 1;
        rec.missingSince ??= t;
        changed = true;
        const never = rec.submitted !== undefined && rec.seenAt === undefined;
        if (never && rec.misses >= NEVER_SEEN_LISTINGS && t - rec.submitted! >= NEVER_SEEN_GRACE_MS) neverSeen.push(id);
        const away = `${rec.misses} listing(s) over ${formatDuration(t - rec.missingSince)}`;
        // sacct saying the job is alive (PENDING, RUNNING, …) keeps it; sacct knowing nothing of it is no answer.
        if (!never && accounted === undefined && rec.misses >= GONE_LISTINGS && t - rec.missingSince >= GONE_GRACE_MS) {
          hosts.push({ ...missingHost(id, rec, `squeue has not listed it in ${away} and sacct has no answer: taken as ended`, t), cloud: 'terminated' });
          continue;
        }
        const sacctSays = accounted ? `; sacct says ${accounted}` : '';
        hosts.push(missingHost(id, rec, `squeue did not list it (${away}; last seen ${never ? 'never' : lastKnownState(rec)}${sacctSays}): kept until SLURM says it ended`, t));
      }
      if (changed && !options.readOnly) writeHostRecords(statePath, r);
      if (neverSeen.length > 0) {
        throw new ConfigError(
          `configuration error: backend.user is ${JSON.stringify(user)}, but job(s) ${neverSeen.join(', ')} that sbatch submitted for pool ${pool} never appeared in squeue --user=${user} ` +
            `(${NEVER_SEEN_LISTINGS} listings, at least ${formatDuration(NEVER_SEEN_GRACE_MS)} after sbatch): set backend.user to the user sbatch submits as; nothing more is submitted for this pool ` +
            `(if the jobs have ended since, remove them from ${statePath})`,
        );
      }
      return { hosts, calls: 1 };
    },

    async launch(count, { now: at, maxHosts, types }): Promise<LaunchOutcome> {
      // Re-count right before submitting: another scheduler (or a manual sbatch of the same script) may have added jobs,
      // and a job sbatch returned that squeue does not list yet still counts.
      const jobs = await poolJobs();
      const r = records();
      const listed = new Set(jobs.map((j) => j.id));
      const live = jobs
        .map((j) => jobToHost(j, r, at))
        .filter((h) => (h.cloud === 'pending' || h.cloud === 'running') && (h.state === 'ready' || h.state === 'launching' || h.state === 'untracked'));
      const unlisted = [...r].filter(([id, rec]) => !listed.has(id) && (rec.state === 'ready' || rec.state === 'launching'));
      const recounted = live.length + unlisted.length;
      const allowed = Math.max(0, Math.min(count, maxHosts - recounted));
      const outcome: LaunchOutcome = { launched: [], wanted: count, allowed, recounted, attempts: [], backoff: {} };
      if (allowed === 0) return outcome;
      // The type of each launch: the packer's plan in order, then its fallback; one type: always it. A type's maxWorkers holds
      // (a job submitted but not listed yet counts against the type the hosts file recorded for it, else the first).
      const byName = new Map(config.workerTypes.map((t) => [t.name, t]));
      const perType = new Map<string, number>();
      const first = config.workerTypes[0]!.name;
      const tally = (name: string): void => void perType.set(name, (perType.get(name) ?? 0) + 1);
      for (const h of live) tally(h.instanceType ?? '');
      for (const [, rec] of unlisted) tally(rec.type ?? first);
      const picks: SlurmWorkerType[] = [];
      const full: string[] = [];
      for (let i = 0; i < allowed; i += 1) {
        const name = types ? (types.order[i] ?? types.fallback) : first;
        const type = byName.get(name) ?? config.workerTypes[0]!;
        const n = perType.get(type.name) ?? 0;
        if (n >= (type.maxWorkers ?? Infinity)) {
          if (!full.includes(type.name)) full.push(type.name);
          continue;
        }
        perType.set(type.name, n + 1);
        picks.push(type);
      }
      if (full.length > 0) {
        outcome.roomAtMax = picks.length;
        outcome.limitedBy = `${full.map((t) => `${t} is at its maxWorkers ${byName.get(t)!.maxWorkers}`).join(', ')}: ${picks.length} of ${allowed} submitted`;
      }
      let submitted = 0;
      const done = new Map<string, number>();
      const offerOf = (type: SlurmWorkerType): string => `sbatch ${type.name}${type.partition ?? config.partition ? ` on ${type.partition ?? config.partition}` : ''}`;
      let type: SlurmWorkerType | undefined;
      try {
        if (logDir) mkdirSync(logDir, { recursive: true });
        for (let i = 0; i < picks.length; i += 1) {
          type = picks[i]!;
          const signal = interrupted();
          if (signal) {
            outcome.attempts.push({ offer: offerOf(type), outcome: 'avoided', count: picks.length - i, error: `${signal} received: not submitted` });
            break;
          }
          const id = await commands.sbatch(sbatchArgs(pool, config, type, logDir), renderJobScript(pool, config, type));
          submitted += 1;
          done.set(type.name, (done.get(type.name) ?? 0) + 1);
          // Tracked from now on, until SLURM says the job ended.
          r.set(id, { state: 'launching', since: at, submitted: at, type: type.name });
          writeHostRecords(statePath, r);
          outcome.launched.push({ id, state: 'launching', since: at, cloud: 'pending', launchedAt: at, queued: true, instanceType: type.name });
        }
        outcome.attempts.unshift(...[...done].map(([name, n]): LaunchOutcome['attempts'][number] => ({ offer: offerOf(byName.get(name)!), outcome: 'launched', count: n })));
      } catch (err) {
        outcome.attempts.push({ offer: offerOf(type ?? config.workerTypes[0]!), outcome: 'error', count: submitted, error: describeError(err) });
        outcome.error = describeError(err);
      }
      return outcome;
    },

    writeStates,

    ...(options.validateLaunches
      ? {
          async validateLaunch(count: number, opts: LaunchOptions): Promise<LaunchOutcome> {
            const planned = opts.types ? (opts.types.order[0] ?? opts.types.fallback) : undefined;
            const type = config.workerTypes.find((t) => t.name === planned) ?? config.workerTypes[0]!;
            const outcome: LaunchOutcome = { launched: [], wanted: count, allowed: count, recounted: 0, attempts: [], backoff: {} };
            const offer = `sbatch --test-only ${type.name}`;
            try {
              const answer = await commands.testOnly(sbatchArgs(pool, config, type, logDir), renderJobScript(pool, config, type));
              outcome.note = `sbatch --test-only for ${count} job(s): ${answer}`;
              outcome.attempts.push({ offer, outcome: 'launched', count: 0 });
            } catch (err) {
              outcome.error = describeError(err);
              outcome.attempts.push({ offer, outcome: 'error', error: outcome.error });
            }
            return outcome;
          },
        }
      : {}),

    async terminate(items: readonly TerminateItem[], recheck?: Recheck): Promise<TerminateOutcome> {
      const out: TerminateOutcome = { terminated: [], refused: [] };
      if (items.length === 0) return out;
      // squeue right before scancel: only a job that still carries the pool's marks is cancelled.
      const fresh = new Map((await poolJobs()).map((j) => [j.id, j]));
      const r = records();
      const t = now();
      // Every job is re-checked side by side (the recheck bounds how many at once), then those still
      // free to go are cancelled in one scancel.
      const keeps = await Promise.all(
        items.map(async (item): Promise<string | null> => {
          const job = fresh.get(item.hostId);
          if (!job) return `not in squeue with job name ${jobName(pool)} and the pool's comment right before scancel: left alone`;
          const before = lastListed.get(item.hostId);
          if (item.move?.from === 'launching' && before && QUEUED.has(before.state) && !QUEUED.has(job.state)) {
            return `was queued when decided, ${job.state} now: no longer free to drop, kept`;
          }
          const host = jobToHost(job, r, t);
          const keep = recheck ? await recheck(host) : null;
          if (keep) return keep;
          // Every scancel of a started job (idle drain, retry, launch or unhealthy timeout) asks Ray once more.
          return options.busy && !QUEUED.has(job.state) ? options.busy(host) : null;
        }),
      );
      const go: TerminateItem[] = [];
      items.forEach((item, k) => {
        const keep = keeps[k];
        if (keep) out.refused.push({ hostId: item.hostId, reason: keep });
        else go.push(item);
      });
      if (go.length === 0) return out;
      const signal = interrupted();
      if (signal) {
        for (const i of go) out.refused.push({ hostId: i.hostId, reason: `${signal} received before scancel: not sent, the next run decides again` });
        return out;
      }
      const moves = go.map((i) => i.move).filter((m): m is Move => m !== undefined);
      if (moves.length > 0) await writeStates(moves);
      await commands.scancel(
        go.map((i) => i.hostId),
        jobName(pool),
      );
      out.terminated = go.map((i) => i.hostId);
      return out;
    },
  };
}

/**
 * The probe of a SLURM pool: the Ray probe, and a job within `replaceBeforeMs` of its wall time
 * answers unhealthy (with its real jobs), so that it stops counting and is replaced ahead of time;
 * it is cancelled once idle, or ends at its wall time.
 */
export function withWallTime(probe: (h: Host) => Promise<ProbeResult | null>, opts: { replaceBeforeMs: number; now: () => number }) {
  return async (host: Host): Promise<ProbeResult | null> => {
    const answer = await probe(host);
    if (!answer?.ok || !answer.healthy || host.endsAt === undefined) return answer;
    const left = host.endsAt - opts.now();
    if (left > opts.replaceBeforeMs) return answer;
    return { ...answer, healthy: false, note: `retired: ${formatDuration(Math.max(0, left))} of wall time left (replaceBefore ${formatDuration(opts.replaceBeforeMs)}): replaced ahead of time, cancelled once idle` };
  };
}
