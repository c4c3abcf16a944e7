import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rayNodeName } from '../../src/pool/backends/slurm.js';
import { slurmRayPool } from '../../src/pool/backends/slurm-ray.js';
import { parsePoolFile, type PoolConfig, type RayDemandConfig, type SlurmBackendConfig } from '../../src/pool/config.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState, type TickReport } from '../../src/pool/tick.js';
import { RayDashboardFake } from './ray-dashboard-fake.js';
import { SlurmFake } from './slurm-fake.js';

/**
 * Issue 19 part 3 (seed 004 with several worker types): the Ray demand is packed by resource shape
 * onto the worker types, and sbatch is called for the type the shapes need. The real runner
 * spawns the fake sbatch/squeue/scancel over a job table; the Ray dashboard fake answers
 * /api/cluster_status with the pending demand by shape.
 */
const START = Date.UTC(2026, 11, 7, 12, 0, 0);
const POOL = 'shapes';

let slurm: SlurmFake;
let ray: RayDashboardFake;
let pool: PoolConfig;
let wiring: ReturnType<typeof slurmRayPool>;
let state: PoolTickState;

const CPU_TYPE = { name: 'cpu', cpus: 8, memory: '32G' };
const GPU_TYPE = { name: 'gpu', cpus: 8, gpus: 1, memory: '64G', partition: 'gpu' };

async function setup(workerTypes: unknown[], policy: Record<string, unknown> = {}): Promise<void> {
  const url = await ray.start();
  const file = {
    pools: [
      {
        name: POOL,
        demand: { type: 'ray', dashboard: url, timeout: '5s' },
        backend: { type: 'slurm', headAddress: '10.0.0.1:6379', partition: 'cpu', wallTime: '01:00:00', workerTypes, user: 'alice', commands: slurm.paths },
        policy: { minHosts: 0, maxHosts: 6, scaleDownDelay: 0, minUptime: 0, headroom: 'none', ...policy },
      },
    ],
  };
  pool = parsePoolFile(JSON.stringify(file), 'pool.json').pools[0]!;
  wiring = slurmRayPool({ pool: POOL, demand: pool.demand as RayDemandConfig, backend: pool.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs });
}

async function runTick(): Promise<TickReport> {
  const r = await tick({ pool: POOL, policy: pool.policy, backend: wiring.backend, demand: wiring.demand, probe: wiring.probe, ...(wiring.shape ? { shape: wiring.shape } : {}), state, now: slurm.nowMs, dryRun: false });
  state = r.state;
  return r;
}

/** The worker type of each sbatch call, from the comment the job carries. */
const submittedTypes = (): string[] => slurm.calls('sbatch').map((c) => /type=(\S+)/.exec(c.args.find((a) => a.startsWith('--comment='))!)![1]!);

beforeEach(() => {
  slurm = new SlurmFake(START);
  ray = new RayDashboardFake();
  state = EMPTY_TICK_STATE;
});
afterEach(async () => {
  await ray.stop();
  slurm.cleanup();
});

describe('scale-pool with several SLURM worker types: Ray demand packed by resource shape', () => {
  it('GPU tasks start GPU workers (sbatch --gpus on the gpu partition); a CPU backlog then starts only CPU workers', async () => {
    await setup([CPU_TYPE, GPU_TYPE]);
    ray.addPendingBulk(2, { CPU: 1, GPU: 1 });
    const first = await runTick();
    expect(first.failed).toBe(false);
    expect(submittedTypes()).toEqual(['gpu', 'gpu']);
    const gpuCall = slurm.calls('sbatch')[0]!;
    expect(gpuCall.args).toEqual(expect.arrayContaining(['--gpus=1', '--partition=gpu', '--cpus-per-task=8', '--mem=64G']));
    expect(first.why).toContain('by shape: start 2 gpu for 2 × {CPU: 1, GPU: 1}');

    // The same backlog next tick: the two queued GPU jobs hold it, nothing more is submitted.
    expect((await runTick()).launches.wanted).toBe(0);
    expect(slurm.calls('sbatch')).toHaveLength(2);

    // 20 CPU tasks more: 14 ride on the two queued GPU workers' spare CPUs (7 each), the other 6 need one CPU worker.
    ray.addPendingBulk(20, { CPU: 1 });
    const cpu = await runTick();
    expect(submittedTypes()).toEqual(['gpu', 'gpu', 'cpu']);
    expect(cpu.why).toContain('by shape: start 1 cpu for 6 × {CPU: 1}; 16 fit the workers up or starting');
    expect(slurm.calls('sbatch')[2]!.args).not.toEqual(expect.arrayContaining([expect.stringMatching(/^--gpus/)]));
  });

  it('a CPU-only backlog never starts a GPU job, even with the GPU type listed first', async () => {
    await setup([GPU_TYPE, CPU_TYPE], { headroom: '2sqrt', minHosts: 1 });
    ray.addPendingBulk(30, { CPU: 1 });
    const r = await runTick();
    expect(r.failed).toBe(false);
    expect(submittedTypes().length).toBeGreaterThan(0);
    expect(submittedTypes().every((t) => t === 'cpu')).toBe(true);
    expect(slurm.calls('sbatch').flatMap((c) => c.args).some((a) => a.startsWith('--gpus'))).toBe(false);
  });

  it('an infeasible demand (a resource no worker type has) is reported and starts nothing', async () => {
    await setup([CPU_TYPE, GPU_TYPE]);
    ray.addPendingBulk(4, { CPU: 1, TPU: 1 });
    const r = await runTick();
    expect(slurm.calls('sbatch')).toHaveLength(0);
    expect(r.demand).toMatchObject({ known: true, n: 0, source: expect.stringContaining('4 pending that no worker type holds left out') });
    expect(r.why).toContain('infeasible, nothing started for them: 4 × {CPU: 1, TPU: 1}');
  });

  it('a custom resource on a worker type: ray start gets --resources, and tasks asking it start that type', async () => {
    await setup([CPU_TYPE, { name: 'tpu', cpus: 4, resources: { TPU: 4 } }]);
    ray.addPendingBulk(5, { TPU: 1 });
    await runTick();
    expect(submittedTypes()).toEqual(['tpu', 'tpu']);
    expect(slurm.calls('sbatch')[0]!.stdin).toContain(`--resources='{"TPU":4}' --block`);
  });

  it('a worker up with free resources (usage_by_node) takes the demand before anything is started', async () => {
    await setup([CPU_TYPE, GPU_TYPE], { minHosts: 1 });
    await runTick();
    const [id] = slurm.startAll();
    ray.join(rayNodeName(POOL, id!));
    ray.usageByNode = { '10.0.1.5': { CPU: [2, 8], memory: [0, 32 * 2 ** 30] } };
    ray.addPendingBulk(6, { CPU: 1 });
    const r = await runTick();
    expect(r.why).toContain('6 fit the workers up or starting');
    expect(submittedTypes()).toEqual(['cpu']);
  });

  it('a type\'s maxWorkers holds, even while squeue does not list the job sbatch just returned', async () => {
    await setup([CPU_TYPE, { ...GPU_TYPE, maxWorkers: 1 }]);
    ray.addPendingBulk(3, { CPU: 8, GPU: 1 });
    const first = await runTick();
    expect(submittedTypes()).toEqual(['gpu']);
    expect(first.why).toContain('no room within the worker types\' max for 2 × {CPU: 8, GPU: 1}');
    // squeue is slow to show the new job: it is still the pool's gpu worker, and no second one is submitted.
    slurm.update((t) => {
      t.jobs = t.jobs.filter((j) => !j.comment.includes('type=gpu'));
    });
    const second = await runTick();
    expect(second.failed).toBe(false);
    expect(submittedTypes()).toEqual(['gpu']);
  });

  it('no load metrics on the dashboard yet: the demand is unknown, nothing launched or drained on it', async () => {
    await setup([CPU_TYPE, GPU_TYPE]);
    ray.noLoadMetrics = true;
    const r = await runTick();
    expect(r.demand).toMatchObject({ known: false, reason: expect.stringContaining('/api/cluster_status: no cluster status yet') });
    expect(slurm.calls('sbatch')).toHaveLength(0);
  });

  it('one worker type keeps the plain count and never asks /api/cluster_status', async () => {
    await setup([CPU_TYPE]);
    ray.addPendingBulk(3, { CPU: 1, GPU: 1 });
    const r = await runTick();
    expect(r.demand).toMatchObject({ known: true, n: 3 });
    expect(submittedTypes()).toEqual(['cpu', 'cpu', 'cpu']);
    expect(ray.requests.some((u) => u.pathname === '/api/cluster_status')).toBe(false);
  });
});
