import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RayDashboardFake } from '../pool/ray-dashboard-fake.js';
import { SlurmFake } from '../pool/slurm-fake.js';
import { runBin } from './harness.js';

/** Seed 004 end to end through the built bin: fake sbatch/squeue/scancel and a fake Ray dashboard. */
let slurm: SlurmFake;
let ray: RayDashboardFake;
let dir: string;
beforeEach(() => {
  slurm = new SlurmFake(Date.now());
  ray = new RayDashboardFake();
  dir = mkdtempSync(join(tmpdir(), 'scale-pool-hpc-'));
});
afterEach(async () => {
  await ray.stop();
  slurm.cleanup();
});

async function poolFile(): Promise<string> {
  const path = join(dir, 'pool.json');
  const pool = {
    name: 'raypool',
    demand: { type: 'ray', dashboard: await ray.start(), timeout: '5s' },
    backend: { type: 'slurm', headAddress: '10.0.0.1:6379', partition: 'cpu', account: 'proj42', wallTime: '01:00:00', workerTypes: [{ name: 'cpu', cpus: 2, memory: '8G' }], user: 'alice', commands: slurm.paths },
    policy: { minHosts: 0, maxHosts: 3, jobsPerHost: 2 },
  };
  writeFileSync(path, JSON.stringify({ pools: [pool] }));
  return path;
}

describe('scale-pool run on a Ray cluster with SLURM workers (seed 004)', () => {
  it('pending Ray tasks start marked SLURM jobs up to max; the same user\'s other jobs are never touched; a dashboard that is down changes nothing', async () => {
    const config = await poolFile();
    const foreign = slurm.addForeign({ name: 'my-analysis' });
    ray.addPending(6);
    const r = await runBin('scale-pool', ['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(0);
    // (6 + 2√6) / 2 per host = 6 hosts, clamped to max 3.
    const sbatch = slurm.calls('sbatch');
    expect(sbatch).toHaveLength(3);
    for (const call of sbatch) expect(call.args).toEqual(expect.arrayContaining(['--job-name=raypool-worker', '--comment=evalai-autoscaler:pool=raypool type=cpu']));
    expect(r.stdout).toMatch(/raypool/);
    expect(slurm.calls('scancel')).toEqual([]);
    expect(slurm.read().jobs.find((j) => j.id === foreign)!.state).toBe('RUNNING');

    // The dashboard goes down: demand unknown, nothing launched or cancelled, the pool fails (exit 1).
    ray.mode = 'down';
    const down = await runBin('scale-pool', ['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(down.code).toBe(1);
    expect(slurm.calls('sbatch')).toHaveLength(3);
    expect(slurm.calls('scancel')).toEqual([]);
  });

  it('status shows a SLURM pool\'s jobs with SLURM\'s columns: job, state, partition, node, time left (not EC2\'s)', async () => {
    const config = await poolFile();
    ray.addPending(2);
    expect((await runBin('scale-pool', ['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir })).code).toBe(0);
    const [running] = slurm.startAll();
    const r = await runBin('scale-pool', ['status', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}JOB\s+STATE\s+SLURM\s+PARTITION\s+NODE\s+TIME LEFT\s+TYPE\s+IN STATE\s+JOBS$/m);
    expect(r.stdout).not.toMatch(/LIFECYCLE|ZONE|\bEC2\b/);
    expect(r.stdout).toMatch(new RegExp(`^ {2}${running}\\s+launching\\s+RUNNING\\s+cpu\\s+node${running}\\s+(59 min|1 h)\\s+cpu\\s`, 'm'));
    const json = JSON.parse((await runBin('scale-pool', ['status', '--config', config, '--json'], { EVALAI_AUTOSCALER_STATE_DIR: dir })).stdout) as { pools: Array<{ hosts: Array<{ id: string; slurm?: Record<string, unknown> }> }> };
    expect(json.pools[0]!.hosts.find((h) => h.id === running)!.slurm).toMatchObject({ state: 'RUNNING', partition: 'cpu', node: `node${running}` });
  });

  it('a slurm backend without a ray demand is a configuration error naming the pool, exit 2, nothing run', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(
      path,
      JSON.stringify({
        pools: [
          {
            name: 'mixed',
            demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q' },
            backend: { type: 'slurm', headAddress: '10.0.0.1:6379', wallTime: '01:00:00', workerTypes: [{ name: 'cpu', cpus: 2 }], commands: slurm.paths },
            policy: { minHosts: 0, maxHosts: 3 },
          },
        ],
      }),
    );
    const r = await runBin('scale-pool', ['run', '--config', path], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^scale-pool: configuration error: \S+: field pools\[0\]\.demand\.type: a slurm backend goes with a ray demand[^\n]*$/);
    expect(slurm.calls()).toEqual([]);
  });
});
