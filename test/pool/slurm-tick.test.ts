import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rayNodeName, renderJobScript, sbatchArgs } from '../../src/pool/backends/slurm.js';
import { slurmCommands } from '../../src/pool/backends/slurm-commands.js';
import { slurmRayPool } from '../../src/pool/backends/slurm-ray.js';
import { parsePoolFile, type PoolConfig, type RayDemandConfig, type SlurmBackendConfig } from '../../src/pool/config.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { exec, type Exec } from '../../src/runtime/exec.js';
import { MIN } from './builders.js';
import { RayDashboardFake } from './ray-dashboard-fake.js';
import { SlurmFake } from './slurm-fake.js';

/**
 * Seed 004's pool, many ticks: the real runner spawning the fake sbatch/squeue/scancel
 * executables over a job table, and a fake Ray dashboard on 127.0.0.1.
 */
const START = Date.UTC(2026, 10, 29, 12, 0, 0);
const POOL = 'raypool';

let slurm: SlurmFake;
let ray: RayDashboardFake;
let pool: PoolConfig;
let wiring: ReturnType<typeof slurmRayPool>;
let state: PoolTickState;

function poolFile(url: string, more: Record<string, unknown> = {}, backend: Record<string, unknown> = {}): PoolConfig {
  const file = {
    pools: [
      {
        name: POOL,
        demand: { type: 'ray', dashboard: url, timeout: '5s' },
        backend: {
          type: 'slurm',
          headAddress: '10.0.0.1:6379',
          partition: 'cpu',
          account: 'proj42',
          wallTime: '01:00:00',
          workerTypes: [{ name: 'cpu', cpus: 2, memory: '8G' }],
          setup: 'module load ray/2.9',
          user: 'alice',
          commands: slurm.paths,
          ...backend,
        },
        policy: { minHosts: 1, maxHosts: 4, jobsPerHost: 2, ...more },
      },
    ],
  };
  return parsePoolFile(JSON.stringify(file), 'pool.json').pools[0]!;
}

async function setup(more: Record<string, unknown> = {}, backend: Record<string, unknown> = {}): Promise<void> {
  const url = await ray.start();
  pool = poolFile(url, more, backend);
  wiring = slurmRayPool({ pool: POOL, demand: pool.demand as RayDemandConfig, backend: pool.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs });
}

async function runTick(dryRun = false): Promise<TickReport> {
  const r = await tick({ pool: POOL, policy: pool.policy, backend: wiring.backend, demand: wiring.demand, probe: wiring.probe, state, now: slurm.nowMs, dryRun, validateLaunches: true });
  state = r.state;
  return r;
}

/** The Ray nodes of these jobs register with the head. */
function join(...ids: string[]): void {
  for (const id of ids) ray.join(rayNodeName(POOL, id));
}

const poolJobs = (state?: string) => slurm.jobs().filter((j) => j.name === `${POOL}-worker` && j.comment.startsWith(`evalai-autoscaler:pool=${POOL}`) && (!state || j.state === state));
const cancelled = () => slurm.calls('scancel').flatMap((c) => c.args.filter((a) => !a.startsWith('--')));

beforeEach(() => {
  slurm = new SlurmFake(START);
  ray = new RayDashboardFake();
  state = EMPTY_TICK_STATE;
});
afterEach(async () => {
  await ray.stop();
  slurm.cleanup();
});

describe('scale-pool with Ray demand on SLURM workers', () => {
  it('a burst starts workers up to max, they join, tasks drain, a zombie is cancelled, idle workers go down to min; foreign jobs are never touched', async () => {
    await setup();
    const foreign = slurm.addForeign({ name: 'my-analysis' });
    const sameName = slurm.addForeign({ name: `${POOL}-worker`, comment: 'started by hand' });
    const sameComment = slurm.addForeign({ name: 'other', comment: `evalai-autoscaler:pool=${POOL} type=cpu` });

    // Empty cluster: the minimum is one worker.
    const first = await runTick();
    expect(first.failed).toBe(false);
    expect(poolJobs()).toHaveLength(1);
    const sbatch = slurm.calls('sbatch')[0]!;
    expect(sbatch.args).toEqual(['--parsable', `--job-name=${POOL}-worker`, `--comment=evalai-autoscaler:pool=${POOL} type=cpu`, '--time=01:00:00', '--nodes=1', '--ntasks=1', '--cpus-per-task=2', '--partition=cpu', '--account=proj42', '--mem=8G', `--output=${slurm.dir}/state/slurm-logs/${POOL}/%j.out`]);
    expect(sbatch.stdin).toBe(`#!/bin/bash\nset -euo pipefail\nmodule load ray/2.9\nexec 'ray' start --address='10.0.0.1:6379' --node-name="${POOL}-slurm-\${SLURM_JOB_ID}" --num-cpus=2 --num-gpus=0 --block\n`);

    // A burst of 20 pending tasks: (20 + 2√20) / 2 = 15 workers, clamped to max 4.
    ray.addPending(20);
    const burst = await runTick();
    expect(burst.why).toMatch(/^n=20 \(20 queued, 0 in flight\): n \+ 2√n = 28\.9 jobs \/ 2 per host = 15 hosts, clamped to max 4; 1 counting/);
    expect(burst.launches.launched).toHaveLength(3);
    expect(poolJobs('PENDING')).toHaveLength(4);
    expect((await runTick()).launches.wanted).toBe(0);

    // SLURM starts them; three Ray nodes join, the fourth never does (a zombie).
    const [a, b, c, zombie] = slurm.startAll();
    join(a!, b!, c!);
    const joined = await runTick();
    expect(joined.moves.map((m) => [m.hostId, m.from, m.to])).toEqual([
      [a, 'launching', 'ready'],
      [b, 'launching', 'ready'],
      [c, 'launching', 'ready'],
    ]);

    // Past the launch timeout (from the job's start), the zombie is cancelled and replaced.
    ray.schedule(2);
    slurm.advance(11 * MIN);
    const zombieTick = await runTick();
    expect(zombieTick.moves).toEqual([expect.objectContaining({ hostId: zombie, from: 'launching', to: 'terminating', status: 'done', reason: expect.stringMatching(/^launch timeout: launching for 11 min/) })]);
    expect(cancelled()).toEqual([zombie]);
    expect(slurm.calls('scancel')[0]!.args).toEqual([`--name=${POOL}-worker`, '--user=alice', zombie]);
    expect(zombieTick.launches.launched).toHaveLength(1);
    const replacement = zombieTick.launches.launched[0]!;
    slurm.start(replacement);
    join(replacement);
    const after = await runTick();
    expect(after.moves.map((m) => [m.hostId, m.to, m.reason])).toEqual([
      [zombie, 'terminated', 'instance gone: SLURM says CANCELLED'],
      [replacement, 'ready', 'SLURM says RUNNING and the probe answers healthy'],
    ]);

    // The tasks drain: nothing pending any more, nothing running.
    for (let i = 0; i < 3; i += 1) {
      ray.schedule(2);
      ray.finishRunning();
    }
    expect(ray.count('PENDING_NODE_ASSIGNMENT')).toBe(0);
    const quiet = await runTick();
    expect(quiet.why).toMatch(/scale-down delay/);
    expect(cancelled()).toEqual([zombie]);

    slurm.advance(11 * MIN);
    const drain = await runTick();
    expect(drain.moves.filter((m) => m.to === 'draining')).toHaveLength(3);
    slurm.advance(MIN);
    const kill = await runTick();
    expect(kill.moves.filter((m) => m.to === 'terminating').map((m) => m.reason)).toEqual(Array(3).fill('draining and the probe says 0 jobs'));
    expect(kill.terminated).toHaveLength(3);
    expect(poolJobs('RUNNING')).toHaveLength(1);

    // Ended jobs leave squeue; the pool records them as terminated and forgets them.
    slurm.purge();
    const settled = await runTick();
    expect(settled.moves.map((m) => [m.to, m.reason])).toEqual(Array(3).fill(['terminated', 'instance gone: sacct says CANCELLED']));
    expect((await runTick()).moves).toEqual([]);

    // Never touched: the user's other jobs, even with the pool's job name or comment alone.
    for (const id of [foreign, sameName, sameComment]) {
      expect(cancelled()).not.toContain(id);
      expect(slurm.job(id).state).toBe('RUNNING');
    }
  });

  it('fewer workers wanted: jobs still PENDING in the queue are cancelled first, before any running worker is drained', async () => {
    await setup({ minHosts: 0 });
    const busy = slurm.addForeign({ name: 'mine' });
    ray.addPending(6);
    await runTick();
    const ids = poolJobs().map((j) => j.id);
    expect(ids).toHaveLength(4);
    slurm.start(ids[0]!);
    join(ids[0]!);
    await runTick();
    // The tasks are withdrawn; the queue stays full, so three jobs never start.
    ray.tasks = [];
    slurm.advance(11 * MIN);
    await runTick();
    slurm.advance(11 * MIN);
    const r = await runTick();
    const drops = r.moves.filter((m) => m.from === 'launching');
    expect(drops.map((m) => m.hostId).sort()).toEqual(ids.slice(1).sort());
    expect(drops.every((m) => m.to === 'terminating' && /still queued in the scheduler, holds nothing/.test(m.reason))).toBe(true);
    expect(r.moves.filter((m) => m.to === 'draining').map((m) => m.hostId)).toEqual([ids[0]]);
    expect(cancelled().sort()).toEqual(ids.slice(1).sort());
    expect(slurm.job(busy).state).toBe('RUNNING');
  });

  it('a queued job that started between the decision and scancel is kept', async () => {
    await setup({ minHosts: 0, scaleDownDelay: 0 });
    ray.addPending(1);
    await runTick();
    // One task: 1 + 2√1 = 3 jobs at 2 per worker = 2 workers.
    const [started, waiting] = poolJobs().map((j) => j.id);
    ray.tasks = [];
    // The scheduler starts one job right before scancel: the re-squeue sees it RUNNING.
    const backend = wiring.backend;
    const terminate = backend.terminate.bind(backend);
    backend.terminate = async (items, recheck) => {
      slurm.start(started!);
      return terminate(items, recheck);
    };
    const r = await runTick();
    expect(r.moves.map((m) => [m.hostId, m.to, m.status, m.error])).toEqual([
      [started, 'terminating', 'refused', 'was queued when decided, RUNNING now: no longer free to drop, kept'],
      [waiting, 'terminating', 'done', undefined],
    ]);
    expect(cancelled()).toEqual([waiting]);
    expect(slurm.job(started!).state).toBe('RUNNING');
  });

  it('the re-checks before scancel run side by side, then one scancel: a barrier holding every re-check until all are asked opens', { timeout: 30_000 }, async () => {
    await setup({ minHosts: 0, scaleDownDelay: 0 });
    ray.addPending(4);
    await runTick();
    const queued = poolJobs('PENDING').map((j) => j.id);
    expect(queued).toHaveLength(4);
    ray.tasks = [];
    // Each re-check waits until every job's re-check is in flight: one at a time, the first would
    // wait for ever (bounded by the test's timeout).
    const backend = wiring.backend;
    const terminate = backend.terminate.bind(backend);
    let peak = 0;
    backend.terminate = async (items, recheck) => {
      const held: Array<() => void> = [];
      return terminate(items, async (h) => {
        await new Promise<void>((release) => {
          held.push(release);
          peak = Math.max(peak, held.length);
          if (held.length === items.length) for (const r of held.splice(0)) r();
        });
        return recheck ? recheck(h) : null;
      });
    };
    const r = await runTick();
    expect(peak).toBe(4);
    expect([...r.terminated].sort()).toEqual([...queued].sort());
    expect(slurm.calls('scancel')).toHaveLength(1);
  });

  it("squeue is asked for the pool's jobs only (--name, --user): 5,000 other jobs of the user are filtered out by squeue, never read", async () => {
    await setup({ minHosts: 0, scaleDownDelay: 0 });
    slurm.update((t) => {
      for (let k = 0; k < 5000; k += 1) {
        t.seq += 1;
        t.jobs.push({ id: String(t.seq), name: `analysis-${k}`, comment: '', user: t.user, state: 'RUNNING', submit: t.now, start: t.now, end: t.now + 86400, timeLimit: 86400, nodes: 'node9' });
      }
    });
    ray.addPending(2);
    await runTick();
    join(...slurm.startAll());
    ray.tasks = [];
    const r = await runTick();
    expect(r.failed).toBe(false);
    expect(r.hosts.map((h) => h.id).sort()).toEqual(poolJobs().map((j) => j.id).sort());
    const squeues = slurm.calls('squeue');
    expect(squeues.length).toBeGreaterThan(1);
    for (const c of squeues) {
      expect(c.args).toEqual(expect.arrayContaining([`--name=${POOL}-worker`, '--user=alice']));
      expect(c.listed).toBeLessThanOrEqual(poolJobs().length);
    }
  });

  it('the Ray node is asked again right before scancel: a worker that just took a task is kept', async () => {
    await setup({ minHosts: 1, scaleDownDelay: 0, minUptime: 0 });
    ray.addPending(2);
    await runTick();
    const ids = slurm.startAll();
    join(...ids);
    await runTick();
    ray.tasks = [];
    const drain = await runTick();
    const drained = drain.moves.filter((m) => m.to === 'draining').map((m) => m.hostId);
    expect(drained).toHaveLength(2);
    // A task lands on each drained worker after the tick looked, right before scancel.
    const backend = wiring.backend;
    const terminate = backend.terminate.bind(backend);
    backend.terminate = async (items, recheck) => {
      for (const id of drained) ray.tasks.push({ task_id: `late-${id}`, state: 'RUNNING', node_id: ray.join(rayNodeName(POOL, id)) });
      return terminate(items, recheck);
    };
    const r = await runTick();
    expect(r.moves.map((m) => [m.hostId, m.to, m.status, m.error])).toEqual(drained.map((id) => [id, 'terminating', 'refused', 're-check before terminate: the probe now says 1 job(s): kept']));
    expect(slurm.calls('scancel')).toEqual([]);
  });

  it('two schedulers deciding from the same view do not pass max: squeue is asked again right before sbatch', async () => {
    await setup();
    ray.addPending(20);
    const stale = await wiring.backend.list();
    await runTick();
    expect(poolJobs()).toHaveLength(4);
    const second = { ...wiring.backend, list: async () => stale };
    const r = await tick({ pool: POOL, policy: pool.policy, backend: second, demand: wiring.demand, probe: wiring.probe, state: EMPTY_TICK_STATE, now: slurm.nowMs, dryRun: false });
    expect(r.launches.wanted).toBe(4);
    expect(r.launches.launched).toEqual([]);
    expect(r.launches.reason).toMatch(/the re-count right before launching found 4 ready \+ launching, room for 0/);
    expect(poolJobs()).toHaveLength(4);
  });

  it('a worker near its wall time is replaced ahead of time while tasks still need it, and cancelled once idle', async () => {
    await setup({ minHosts: 0 }, { wallTime: '00:30:00' });
    ray.addPending(4);
    await runTick();
    const ids = slurm.startAll();
    join(...ids);
    ray.schedule(2);
    await runTick();
    ray.addPending(4);
    slurm.advance(26 * MIN);
    const r = await runTick();
    const unhealthy = r.moves.filter((m) => m.to === 'unhealthy');
    expect(unhealthy.map((m) => m.hostId).sort()).toEqual([...ids].sort());
    expect(unhealthy[0]!.reason).toBe('retired: 4 min of wall time left (replaceBefore 5 min): replaced ahead of time, cancelled once idle');
    expect(r.launches.launched).toHaveLength(4);
    // Still busy: kept until their tasks finish, then cancelled.
    expect(cancelled()).toEqual([]);
    ray.finishRunning();
    const next = await runTick();
    expect(next.moves.filter((m) => m.to === 'terminating').map((m) => m.hostId).sort()).toEqual([...ids].sort());
    expect(cancelled().sort()).toEqual([...ids].sort());
  });

  it('the dashboard down or answering garbage: demand unknown, the tick fails, nothing submitted or cancelled, workers keep their state', async () => {
    await setup({ minHosts: 3 });
    await runTick();
    const ids = slurm.startAll();
    join(...ids);
    await runTick();
    slurm.advance(60 * MIN - 6 * MIN);
    for (const mode of ['down', 'garbage', 'failed'] as const) {
      ray.mode = mode;
      slurm.advance(MIN);
      const r = await runTick();
      expect(r.failed).toBe(true);
      expect(r.errors[0]).toMatch(/^demand: Ray dashboard http:\/\/127\.0\.0\.1:\d+\/api\/v0\/(tasks|nodes)/);
      expect(r.moves).toEqual([]);
    }
    expect(slurm.calls('sbatch')).toHaveLength(3);
    expect(slurm.calls('scancel')).toEqual([]);
  });

  it('squeue without --json: the fixed --format is used from then on', async () => {
    await setup();
    slurm.update((t) => {
      t.json = false;
    });
    slurm.addForeign({});
    await runTick();
    const [id] = poolJobs().map((j) => j.id);
    slurm.start(id!);
    join(id!);
    const r = await runTick();
    expect(r.moves.map((m) => [m.hostId, m.to])).toEqual([[id, 'ready']]);
    const squeues = slurm.calls('squeue').map((c) => c.args[0]);
    expect(squeues.slice(0, 2)).toEqual(['--json', '--noheader']);
    expect(squeues.slice(2).every((a) => a === '--noheader')).toBe(true);
  });

  it('sbatch failing: its stderr is the launch error, and the tick fails', async () => {
    await setup();
    slurm.failNext('sbatch', 'sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified');
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(r.launches.error).toMatch(/sbatch --parsable: exit 1: sbatch: error: Batch job submission failed: Invalid account or account\/partition combination specified$/);
    expect(poolJobs()).toEqual([]);
  });

  it('the default command names, found first on PATH', async () => {
    const url = await ray.start();
    pool = poolFile(url, {}, { commands: undefined });
    expect((pool.backend as SlurmBackendConfig).commands).toEqual({ sbatch: 'sbatch', squeue: 'squeue', scancel: 'scancel', sacct: 'sacct' });
    const onPath: Exec = (command, args, options) => exec(command, args, { ...options, env: { ...options.env, PATH: `${slurm.dir}:${process.env.PATH ?? ''}` } });
    wiring = slurmRayPool({ pool: POOL, demand: pool.demand as RayDemandConfig, backend: pool.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs, exec: onPath });
    const r = await runTick();
    expect(r.failed).toBe(false);
    expect(slurm.calls().map((c) => c.command)).toEqual(['squeue', 'squeue', 'sbatch']);
  });

  it('a dry run decides the same and calls only squeue', async () => {
    await setup();
    ray.addPending(8);
    const r = await runTick(true);
    expect(r.launches).toMatchObject({ wanted: 4, status: 'planned' });
    expect(slurm.calls().map((c) => c.command)).toEqual(['squeue']);
  });

  it('worker logs go to <state dir>/slurm-logs/<pool>/%j.out by default, a folder made for them; `output` still overrides', async () => {
    await setup();
    await runTick();
    const dir = `${slurm.dir}/state/slurm-logs/${POOL}`;
    expect(slurm.calls('sbatch')[0]!.args).toContain(`--output=${dir}/%j.out`);
    expect(existsSync(dir)).toBe(true);
    await setup({}, { output: '/scratch/alice/ray-%j.log' });
    ray.addPending(2);
    await runTick();
    const args = slurm.calls('sbatch').at(-1)!.args;
    expect(args.filter((a) => a.startsWith('--output='))).toEqual(['--output=/scratch/alice/ray-%j.log']);
  });

  it('squeue not on cron\'s PATH: the error names the PATH and backend.commands.squeue', async () => {
    const url = await ray.start();
    pool = poolFile(url, {}, { commands: undefined });
    const bare: Exec = (command, args, options) => exec(command, args, { ...options, env: { ...options.env, PATH: '/usr/bin:/bin' } });
    wiring = slurmRayPool({ pool: POOL, demand: pool.demand as RayDemandConfig, backend: pool.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs, exec: bare });
    const r = await runTick();
    expect(r.failed).toBe(true);
    expect(r.errors[0]).toBe('observe: squeue: cannot run: not found on PATH=/usr/bin:/bin; set backend.commands.squeue to its full path (`command -v squeue` in a login shell), or PATH in the crontab');
  });
});

describe('a SLURM command that cannot be started names the field to fix', () => {
  it('a full path that does not exist: the message names backend.commands.<name>', async () => {
    const commands = slurmCommands({ exec, paths: { sbatch: '/opt/site/bin/sbatch-wrapper', squeue: 'squeue', scancel: 'scancel' }, timeoutMs: 20_000, user: 'alice', squeueOutput: 'json' });
    await expect(commands.sbatch([], '#!/bin/sh\n')).rejects.toThrow('/opt/site/bin/sbatch-wrapper: cannot run: not found; check backend.commands.sbatch');
  });
});

describe('SLURM jobs are not forgotten on one bad answer', () => {
  /** Four workers running and joined: ready. */
  async function fourReady(more: Record<string, unknown> = {}): Promise<string[]> {
    await setup({ minHosts: 0, ...more });
    ray.addPending(20);
    await runTick();
    const ids = slurm.startAll();
    join(...ids);
    ray.schedule(2);
    const r = await runTick();
    expect(r.moves.filter((m) => m.to === 'ready')).toHaveLength(4);
    return ids;
  }

  it('squeue listing nothing once: the jobs stay tracked and counted, nothing more is submitted, nothing cancelled', async () => {
    const ids = await fourReady();
    slurm.emptyNext();
    slurm.advance(MIN);
    const r = await runTick();
    expect(r.moves.filter((m) => m.to === 'terminated')).toEqual([]);
    expect(r.launches.launched).toEqual([]);
    expect(r.hosts.map((h) => [h.id, h.state]).sort()).toEqual(ids.map((id) => [id, 'ready']).sort());
    slurm.advance(MIN);
    const next = await runTick();
    expect(next.launches.launched).toEqual([]);
    expect(slurm.calls('sbatch')).toHaveLength(4);
    expect(slurm.calls('scancel')).toEqual([]);
    expect(poolJobs('RUNNING')).toHaveLength(4);
  });

  it('a job squeue forgot is recorded terminated when sacct says it ended, with sacct\'s state as the reason', async () => {
    const ids = await fourReady({ minHosts: 4 });
    slurm.update((t) => {
      t.jobs.find((j) => j.id === ids[0])!.state = 'NODE_FAIL';
    });
    slurm.purge();
    const r = await runTick();
    expect(r.moves.filter((m) => m.to === 'terminated').map((m) => [m.hostId, m.reason])).toEqual([[ids[0], 'instance gone: sacct says NODE_FAIL']]);
    expect(slurm.calls('sacct')[0]!.args).toEqual(['-j', ids[0], '--format=JobID,State', '--noheader', '--parsable2']);
    expect(r.launches.launched).toHaveLength(1);
  });

  it('without sacct, a job squeue forgot is taken as ended only after 3 listings over 5 min', async () => {
    const ids = await fourReady({ minHosts: 4 });
    slurm.update((t) => {
      t.accounting = false;
      t.jobs.find((j) => j.id === ids[0])!.state = 'COMPLETED';
    });
    slurm.purge();
    for (let k = 0; k < 3; k += 1) {
      const r = await runTick();
      expect(r.moves.filter((m) => m.to === 'terminated')).toEqual([]);
      expect(r.launches.launched).toEqual([]);
      slurm.advance(2 * MIN);
    }
    const r = await runTick();
    expect(r.moves.filter((m) => m.to === 'terminated').map((m) => [m.hostId, m.reason])).toEqual([[ids[0], 'instance gone: squeue has not listed it in 4 listing(s) over 6 min and sacct has no answer: taken as ended']]);
    expect(r.launches.launched).toHaveLength(1);
  });

  it('a job squeue does not list but sacct says RUNNING is kept for good; one sacct does not know follows the squeue rule', async () => {
    const ids = await fourReady({ minHosts: 4 });
    const [alive, unknown] = [ids[0]!, ids[1]!];
    slurm.update((t) => {
      // squeue drops both (a lagging or partial listing); sacct still knows the first, running, and not the second.
      t.history = t.jobs.filter((j) => j.id === alive);
      t.jobs = t.jobs.filter((j) => j.id !== alive && j.id !== unknown);
    });
    const moves: Array<[string, string]> = [];
    for (let k = 0; k < 5; k += 1) {
      const r = await runTick();
      moves.push(...r.moves.filter((m) => m.to === 'terminated').map((m): [string, string] => [m.hostId, m.reason]));
      slurm.advance(2 * MIN);
    }
    expect(moves).toEqual([[unknown, 'instance gone: squeue has not listed it in 4 listing(s) over 6 min and sacct has no answer: taken as ended']]);
  });

  it('a job recorded as ended that SLURM lists alive again (PREEMPTED, then requeued under the same id) is adopted again, not cancelled as a terminate retry', async () => {
    const ids = await fourReady({ minHosts: 4 });
    const setState = (state: string) =>
      slurm.update((t) => {
        t.jobs.find((j) => j.id === ids[2])!.state = state;
      });
    setState('PREEMPTED');
    const ended = await runTick();
    expect(ended.moves.filter((m) => m.hostId === ids[2]).map((m) => [m.to, m.reason])).toEqual([['terminated', 'instance gone: SLURM says PREEMPTED']]);
    setState('PENDING');
    slurm.advance(MIN);
    const back = await runTick();
    // Adopted as any pool job waiting in the queue (which the decision may then drop as surplus), not "terminate again".
    expect(back.moves.find((m) => m.hostId === ids[2])).toMatchObject({ from: 'untracked', to: 'launching', reason: 'orphan: pool tag without a state tag, pending: adopted as launching' });
  });

  it('a finished job squeue --json still lists (MinJobAge) is recorded terminated once, then never shown as untracked', async () => {
    const ids = await fourReady({ minHosts: 4 });
    slurm.update((t) => {
      t.jobs.find((j) => j.id === ids[1])!.state = 'TIMEOUT';
    });
    const r = await runTick();
    expect(r.moves.filter((m) => m.to === 'terminated').map((m) => [m.hostId, m.reason])).toEqual([[ids[1], 'instance gone: SLURM says TIMEOUT']]);
    for (let k = 0; k < 2; k += 1) {
      slurm.advance(MIN);
      const again = await runTick();
      expect(again.hosts.find((h) => h.id === ids[1])).toBeUndefined();
      expect(again.hosts.filter((h) => h.state === 'untracked')).toEqual([]);
    }
  });

  it('backend.user is not the user sbatch submits as: a configuration error naming backend.user, and nothing more is submitted', async () => {
    await setup();
    slurm.update((t) => {
      t.submitAs = 'alice_hpc';
    });
    ray.addPending(20);
    const reports: TickReport[] = [];
    for (let k = 0; k < 5; k += 1) {
      reports.push(await runTick());
      slurm.advance(MIN);
    }
    expect(slurm.calls('sbatch')).toHaveLength(4);
    const last = reports.at(-1)!;
    expect(last.failed).toBe(true);
    expect(last.errors[0]).toMatch(/^observe: configuration error: backend\.user is "alice", but job\(s\) 1001, 1002, 1003, 1004 that sbatch submitted for pool raypool never appeared in squeue --user=alice .*set backend\.user to the user sbatch submits as/);
    expect(slurm.calls('scancel')).toEqual([]);
  });

  for (const mode of ['json', 'format'] as const) {
    it(`another user's job with the pool's name and comment is never adopted, counted or cancelled (squeue --${mode}, a site squeue that ignores --user)`, async () => {
      await setup({ minHosts: 0, scaleDownDelay: 0, minUptime: 0 });
      slurm.update((t) => {
        t.ignoreUser = true;
        t.json = mode === 'json';
      });
      const theirs = slurm.addForeign({ user: 'bob', name: `${POOL}-worker`, comment: `evalai-autoscaler:pool=${POOL} type=cpu` });
      ray.addPending(20);
      const r = await runTick();
      expect(r.hosts.map((h) => h.id)).not.toContain(theirs);
      expect(r.launches.launched).toHaveLength(4);
      ray.tasks = [];
      slurm.advance(20 * MIN);
      await runTick();
      await runTick();
      expect(cancelled()).not.toContain(theirs);
      expect(slurm.job(theirs).state).toBe('RUNNING');
    });
  }
});

describe('every scancel asks Ray again; nothing leaves after a signal', () => {
  it('a scancel that failed is retried only after Ray is asked again: a worker that took a task since is kept', async () => {
    await setup({ minHosts: 0, scaleDownDelay: 0, minUptime: 0 });
    ray.addPending(2);
    await runTick();
    const ids = slurm.startAll();
    join(...ids);
    await runTick();
    ray.tasks = [];
    await runTick();
    slurm.failNext('scancel', 'scancel: error: Socket timed out on send/recv operation');
    const failed = await runTick();
    expect(failed.moves.filter((m) => m.to === 'terminating' && m.status === 'failed')).toHaveLength(ids.length);
    // A task lands on one worker before the retry.
    ray.tasks.push({ task_id: 'late', state: 'RUNNING', node_id: ray.join(rayNodeName(POOL, ids[0]!)) });
    const scancels = slurm.calls('scancel').length;
    await runTick();
    const retried = slurm.calls('scancel').slice(scancels).flatMap((c) => c.args.filter((a) => !a.startsWith('--')));
    expect(retried.sort()).toEqual(ids.slice(1).sort());
    expect(slurm.job(ids[0]!).state).toBe('RUNNING');
  });

  it('a launch timeout asks Ray too: a job whose node holds tasks is not cancelled', async () => {
    await setup({ minHosts: 1 });
    await runTick();
    const [id] = slurm.startAll();
    // Its node joined under a name the probe does not expect…, but Ray is asked by the job's node name: busy.
    slurm.advance(11 * MIN);
    const backend = wiring.backend;
    const terminate = backend.terminate.bind(backend);
    backend.terminate = async (items, recheck) => {
      ray.tasks.push({ task_id: 'late', state: 'RUNNING', node_id: ray.join(rayNodeName(POOL, id!)) });
      return terminate(items, recheck);
    };
    const r = await runTick();
    expect(r.moves.map((m) => [m.hostId, m.to, m.status, m.error])).toEqual([[id, 'terminating', 'refused', expect.stringMatching(/holds 1 task\(s\): kept|the probe now says 1 job\(s\): kept/)]]);
    expect(slurm.calls('scancel')).toEqual([]);
  });

  it('a signal between two sbatch calls: no further sbatch is started, the report lists what was sent', async () => {
    const url = await ray.start();
    pool = poolFile(url);
    let signal: string | undefined;
    const onFirst: Exec = async (command, args, options) => {
      const out = await exec(command, args, options);
      if (command.endsWith('sbatch')) signal = 'SIGTERM';
      return out;
    };
    wiring = slurmRayPool({ pool: POOL, demand: pool.demand as RayDemandConfig, backend: pool.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs, exec: onFirst, interrupted: () => signal });
    ray.addPending(20);
    const r = await runTick();
    expect(slurm.calls('sbatch')).toHaveLength(1);
    expect(r.launches.launched).toEqual([poolJobs()[0]!.id]);
    expect(r.launches.attempts).toEqual([
      { offer: 'sbatch cpu on cpu', outcome: 'launched', count: 1 },
      { offer: 'sbatch cpu on cpu', outcome: 'avoided', count: 3, error: 'SIGTERM received: not submitted' },
    ]);
  });

  it('a signal before scancel: nothing is cancelled, each move says why', async () => {
    await setup({ minHosts: 0, scaleDownDelay: 0, minUptime: 0 });
    ray.addPending(2);
    await runTick();
    slurm.startAll();
    ray.tasks = [];
    let signal: string | undefined;
    wiring = slurmRayPool({ pool: POOL, demand: pool.demand as RayDemandConfig, backend: pool.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs, interrupted: () => signal });
    const backend = wiring.backend;
    const terminate = backend.terminate.bind(backend);
    backend.terminate = async (items, recheck) => {
      signal = 'SIGINT';
      return terminate(items, recheck);
    };
    slurm.advance(11 * MIN);
    const r = await runTick();
    const ids = poolJobs().map((j) => j.id);
    expect(r.moves.filter((m) => m.to === 'terminating').map((m) => [m.hostId, m.status, m.error])).toEqual(ids.map((id) => [id, 'refused', 'SIGINT received before scancel: not sent, the next run decides again']));
    expect(slurm.calls('scancel')).toEqual([]);
  });

  it('a dry run of `run` sends sbatch --test-only with the same options and script and reports its answer; a bad partition fails the launch line', async () => {
    const url = await ray.start();
    const dry = (backend: Record<string, unknown>) => {
      pool = poolFile(url, {}, backend);
      wiring = slurmRayPool({ pool: POOL, demand: pool.demand as RayDemandConfig, backend: pool.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs, readOnly: true, validateLaunches: true });
    };
    dry({});
    ray.addPending(8);
    const ok = await runTick(true);
    expect(ok.failed).toBe(false);
    expect(ok.launches).toMatchObject({ wanted: 4, status: 'planned' });
    expect(ok.launches.reason).toMatch(/; sbatch --test-only for 4 job\(s\): sbatch: Job 1001 to start at .* in partition cpu$/);
    const test = slurm.calls('sbatch')[0]!;
    expect(test.args).toEqual(['--test-only', ...sbatchArgs(POOL, pool.backend as SlurmBackendConfig, (pool.backend as SlurmBackendConfig).workerTypes[0]!, `${slurm.dir}/state/slurm-logs/${POOL}`)]);
    expect(test.stdin).toBe(renderJobScript(POOL, pool.backend as SlurmBackendConfig, (pool.backend as SlurmBackendConfig).workerTypes[0]!));

    dry({ partition: 'gpuu' });
    const bad = await runTick(true);
    expect(bad.failed).toBe(true);
    expect(bad.launches.status).toBe('failed');
    expect(bad.errors).toEqual([expect.stringMatching(/^launch: \/.*\/sbatch --test-only: exit 1: sbatch: error: invalid partition specified: gpuu \| sbatch: error: Batch job submission failed: Invalid partition name specified$/)]);
    expect(poolJobs()).toEqual([]);
    expect(existsSync(slurm.statePath)).toBe(false);
  });
});
