import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RayDashboardFake } from '../pool/ray-dashboard-fake.js';
import { SlurmFake } from '../pool/slurm-fake.js';
import { runBin } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Waits for `ready` to hold, checking every 50 ms; the bound only stops a hang. */
async function until(ready: () => boolean, what: string, boundMs = 20_000): Promise<void> {
  for (let waited = 0; !ready(); waited += 50) {
    if (waited > boundMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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

async function poolFile(backend: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, 'pool.json');
  const pool = {
    name: 'raypool',
    demand: { type: 'ray', dashboard: await ray.start(), timeout: '5s' },
    backend: { type: 'slurm', headAddress: '10.0.0.1:6379', partition: 'cpu', account: 'proj42', wallTime: '01:00:00', workerTypes: [{ name: 'cpu', cpus: 2, memory: '8G' }], user: 'alice', commands: slurm.paths, ...backend },
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

  it('several worker types: Ray\'s pending demand by shape starts the GPU type for GPU tasks and the CPU type for CPU ones; an infeasible task starts nothing', async () => {
    const config = await poolFile({ workerTypes: [{ name: 'cpu', cpus: 4, memory: '16G' }, { name: 'gpu', cpus: 4, gpus: 1, memory: '32G', partition: 'gpu' }] });
    ray.addPendingBulk(1, { CPU: 1, GPU: 1 });
    ray.addPendingBulk(7, { CPU: 1 });
    ray.addPendingBulk(2, { CPU: 1, TPU: 1 });
    const r = await runBin('scale-pool', ['run', '--config', config, '--json'], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(0);
    // The GPU worker holds the GPU task and 3 CPU tasks; the other 4 CPU tasks take one CPU worker; the TPU tasks nothing.
    const types = slurm.calls('sbatch').map((c) => c.args.find((a) => a.startsWith('--comment='))!.replace(/^.* type=/, ''));
    expect(types.sort()).toEqual(['cpu', 'gpu']);
    const gpuCall = slurm.calls('sbatch').find((c) => c.args.includes('--gpus=1'))!;
    expect(gpuCall.args).toEqual(expect.arrayContaining(['--partition=gpu', '--comment=evalai-autoscaler:pool=raypool type=gpu']));
    const report = JSON.parse(r.stdout) as { pools: Array<{ why: string; demand: { n: number } }> };
    expect(report.pools[0]!.demand.n).toBe(8);
    expect(report.pools[0]!.why).toContain('infeasible, nothing started for them: 2 × {CPU: 1, TPU: 1}');
    expect(ray.requests.some((u) => u.pathname === '/api/cluster_status')).toBe(true);
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

  it('SIGTERM while the first sbatch is in flight: no further sbatch or scancel is started, and the --json report lists exactly what was sent', async () => {
    const config = await poolFile();
    const hold = join(dir, 'release-sbatch');
    slurm.update((t) => {
      t.hold = { sbatch: hold };
    });
    ray.addPending(6);
    const child = spawn(process.execPath, [`${ROOT}bin/scale-pool.js`, 'run', '--config', config, '--json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, EVALAI_AUTOSCALER_STATE_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until(() => existsSync(`${hold}.started`), 'the first sbatch to start');
    child.kill('SIGTERM');
    await until(() => stderr.includes('SIGTERM received'), 'the scaler to log the signal');
    // The sbatch that was in flight answers after the signal.
    writeFileSync(hold, '');
    const code = await exited;
    expect(code).toBe(143);
    expect(slurm.calls('sbatch')).toHaveLength(1);
    expect(slurm.calls('scancel')).toEqual([]);
    const [submitted] = slurm.read().jobs.map((j) => j.id);
    const report = JSON.parse(stdout) as { pools: Array<{ launches: { launched: string[]; attempts: Array<{ outcome: string; count: number; error?: string }> } }>; errors: string[] };
    expect(report.pools[0]!.launches.launched).toEqual([submitted]);
    expect(report.pools[0]!.launches.attempts).toEqual([
      { offer: 'sbatch cpu on cpu', outcome: 'launched', count: 1 },
      { offer: 'sbatch cpu on cpu', outcome: 'avoided', count: 2, error: 'SIGTERM received: not submitted' },
    ]);
    // A SLURM pool sends nothing to AWS: the closing line says what held for it.
    expect(report.errors.at(-1)).toBe('interrupted by SIGTERM: no sbatch or scancel started after it');
    // The job it submitted is tracked: the next run counts it and submits only the rest.
    slurm.update((t) => {
      delete t.hold;
    });
    const next = await runBin('scale-pool', ['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(next.code).toBe(0);
    expect(slurm.calls('sbatch')).toHaveLength(3);
  }, 60_000);

  it('sbatch hanging inside a site wrapper: killed at commandTimeout with the child it started, and the --json report is still printed (exit 1)', async () => {
    const pidFile = join(dir, 'sbatch-child.pid');
    const wrapper = join(dir, 'site-sbatch');
    // A site wrapper that runs "sbatch" as a child holding stdout, and waits for it.
    writeFileSync(wrapper, `#!/bin/sh\nsleep 1000 &\necho $! > ${pidFile}\nwait\n`);
    chmodSync(wrapper, 0o755);
    const config = await poolFile({ commands: { ...slurm.paths, sbatch: wrapper }, commandTimeout: '2s' });
    ray.addPending(6);
    const r = await runBin('scale-pool', ['run', '--config', config, '--json'], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { pools: Array<{ launches: { status: string; error: string } }> };
    expect(report.pools[0]!.launches.status).toBe('failed');
    expect(report.pools[0]!.launches.error).toBe(`${wrapper} --parsable: no answer within 2 s: killed (its process group too)`);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      await until(() => !alive(), 'the wrapper\'s child to be gone');
    } finally {
      if (alive()) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);

  it('backend.user that never sees the jobs sbatch submits: exit 1 with the error naming backend.user, nothing more submitted', async () => {
    const config = await poolFile();
    slurm.update((t) => {
      t.submitAs = 'alice_hpc';
    });
    ray.addPending(6);
    let last = await runBin('scale-pool', ['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(last.code).toBe(0);
    // The hosts file says when each job was submitted: move it 3 minutes back, as if minutes passed between cron runs.
    const hostsFile = join(dir, readdirHosts(dir));
    const shifted = JSON.parse(readFileSync(hostsFile, 'utf8')) as { jobs: Record<string, { since: number; submitted: number }> };
    for (const j of Object.values(shifted.jobs)) {
      j.since -= 3 * 60_000;
      j.submitted -= 3 * 60_000;
    }
    writeFileSync(hostsFile, JSON.stringify(shifted));
    for (let k = 0; k < 3; k += 1) last = await runBin('scale-pool', ['run', '--config', config], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(last.code).toBe(1);
    expect(last.stdout).toMatch(/configuration error: backend\.user is "alice", but job\(s\) 1001, 1002, 1003 that sbatch submitted for pool raypool never appeared in squeue --user=alice/);
    expect(slurm.calls('sbatch')).toHaveLength(3);
  }, 60_000);

  it('run --dry-run checks the launch with sbatch --test-only: a bad partition fails as the real run would (exit 1), nothing is submitted', async () => {
    const config = await poolFile({ partition: 'gpuu' });
    ray.addPending(6);
    const r = await runBin('scale-pool', ['run', '--config', config, '--dry-run', '--json'], { EVALAI_AUTOSCALER_STATE_DIR: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { pools: Array<{ launches: { status: string; error: string } }> };
    expect(report.pools[0]!.launches.status).toBe('failed');
    expect(report.pools[0]!.launches.error).toMatch(/sbatch --test-only: exit 1: sbatch: error: invalid partition specified: gpuu/);
    expect(slurm.read().jobs).toEqual([]);
    expect(slurm.calls('sbatch').map((c) => c.args[0])).toEqual(['--test-only']);
  }, 60_000);
});

function readdirHosts(stateDir: string): string {
  const name = readdirSync(stateDir).find((f) => f.endsWith('.slurm-hosts.json'));
  if (!name) throw new Error(`no hosts file in ${stateDir}`);
  return name;
}