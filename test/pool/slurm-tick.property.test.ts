import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rayNodeName } from '../../src/pool/backends/slurm.js';
import { slurmRayPool } from '../../src/pool/backends/slurm-ray.js';
import { parsePoolFile, type RayDemandConfig, type SlurmBackendConfig } from '../../src/pool/config.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState } from '../../src/pool/tick.js';
import { CommandError, type Exec } from '../../src/runtime/exec.js';
import { policy as makePolicy, MIN } from './builders.js';
import { RayDashboardFake } from './ray-dashboard-fake.js';
import { SlurmFake } from './slurm-fake.js';

/**
 * Seed 004's pool under random demand and faults: many ticks of the Ray demand and the SLURM
 * backend against the fake SLURM (in-process, same job table as the executables) and the fake Ray
 * dashboard. Faults: sbatch/squeue/scancel failing, squeue listing nothing once, sbatch hanging
 * (killed at its timeout, the job submitted or not), the dashboard down or answering garbage, jobs
 * the scheduler leaves queued, Ray nodes that never join or die, jobs ending under the pool
 * (node failure), another user's job carrying the pool's name and comment (with an squeue that
 * ignores --user, in --json and --format modes). After every tick, failed or not: at most max jobs
 * of the pool count, no job whose Ray node runs tasks is cancelled, nothing foreign is touched.
 */
const POOL = 'rp';
const START = Date.UTC(2026, 10, 29, 12);

interface Step {
  addTasks: number;
  withdraw: boolean;
  /** Of the PENDING jobs, how many the scheduler starts. */
  starts: number;
  /** Of the RUNNING jobs without a Ray node, how many join. */
  joins: number;
  schedule: boolean;
  finish: boolean;
  slurmFault: 'none' | 'sbatch' | 'squeue' | 'scancel' | 'squeueEmpty' | 'sbatchHang' | 'sbatchHangSubmitted';
  dashboard: 'ok' | 'down' | 'garbage';
  killNode: number | null;
  jobFails: number | null;
  advanceMs: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  addTasks: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })),
  withdraw: fc.boolean(),
  starts: fc.integer({ min: 0, max: 6 }),
  joins: fc.integer({ min: 0, max: 6 }),
  schedule: fc.boolean(),
  finish: fc.boolean(),
  slurmFault: fc.constantFrom('none', 'none', 'none', 'none', 'sbatch', 'squeue', 'scancel', 'squeueEmpty', 'squeueEmpty', 'sbatchHang', 'sbatchHangSubmitted'),
  dashboard: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'down', 'garbage'),
  killNode: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 4 }),
  jobFails: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 5 }),
  advanceMs: fc.integer({ min: 10_000, max: 3 * MIN }),
});

let ray: RayDashboardFake;
let url: string;
beforeAll(async () => {
  ray = new RayDashboardFake();
  url = await ray.start();
});
afterAll(async () => {
  await ray.stop();
});

describe('scale-pool on SLURM with Ray demand, under random demand and faults', () => {
  it('never above max, never below min, foreign jobs untouched, no busy worker cancelled, the report equals what was sent, converges', async () => {
    const policyArb = fc.record({ minHosts: fc.integer({ min: 0, max: 2 }), extra: fc.integer({ min: 1, max: 5 }), jobsPerHost: fc.integer({ min: 1, max: 4 }), maxLaunchesPerTick: fc.integer({ min: 1, max: 4 }), squeueJson: fc.boolean(), ignoreUser: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(stepArb, { minLength: 5, maxLength: 20 }), fc.integer({ min: 0, max: 30 }), async (p, steps, steadyN) => {
        const policy = makePolicy({ minHosts: p.minHosts, maxHosts: p.minHosts + p.extra, jobsPerHost: p.jobsPerHost, maxLaunchesPerTick: p.maxLaunchesPerTick });
        const slurm = new SlurmFake(START);
        ray.tasks = [];
        ray.nodes = ray.nodes.filter((n) => n.is_head_node);
        ray.mode = 'ok';
        const violations: string[] = [];
        try {
          const file = parsePoolFile(
            JSON.stringify({
              pools: [
                {
                  name: POOL,
                  demand: { type: 'ray', dashboard: url },
                  backend: { type: 'slurm', headAddress: '10.0.0.1:6379', wallTime: '2-00:00:00', workerTypes: [{ name: 'cpu', cpus: p.jobsPerHost }], user: 'alice' },
                  policy: { minHosts: 0, maxHosts: 1 },
                },
              ],
            }),
            'pool.json',
          ).pools[0]!;
          slurm.update((t) => {
            t.json = p.squeueJson;
            t.ignoreUser = p.ignoreUser;
          });
          const foreign = [
            slurm.addForeign({ name: 'analysis' }),
            slurm.addForeign({ name: `${POOL}-worker`, comment: 'by hand' }),
            slurm.addForeign({ name: 'x', comment: `evalai-autoscaler:pool=${POOL}`, state: 'PENDING' }),
            // Another user's job with both of the pool's marks.
            slurm.addForeign({ user: 'bob', name: `${POOL}-worker`, comment: `evalai-autoscaler:pool=${POOL} type=cpu` }),
          ];
          let hang: 'none' | 'lost' | 'submitted' = 'none';
          const sent = { submitted: [] as string[], cancelled: [] as string[] };
          // scancel is watched as it happens: no busy worker, no foreign job.
          const exec: Exec = async (command, args, options) => {
            if (command === 'sbatch' && hang !== 'none') {
              // sbatch hangs and is killed at its timeout: the job went in, or did not.
              const submitted = hang === 'submitted';
              hang = 'none';
              if (submitted) await slurm.exec(command, args, options);
              throw new CommandError(`${command} --parsable: no answer within 30 s: killed (its process group too)`, command, null, '');
            }
            if (command === 'scancel') {
              for (const id of args.filter((a) => !a.startsWith('--'))) {
                if (foreign.includes(id)) violations.push(`scancel of foreign job ${id}`);
                const node = ray.nodes.find((n) => n.node_name === rayNodeName(POOL, id) && n.state === 'ALIVE');
                const busy = node ? ray.tasks.filter((t) => t.node_id === node.node_id && t.state === 'RUNNING').length : 0;
                if (busy > 0) violations.push(`scancel of job ${id} whose Ray node runs ${busy} task(s)`);
              }
            }
            const out = await slurm.exec(command, args, options);
            // What went out and was answered, to compare with the tick's report.
            if (command === 'sbatch') sent.submitted.push(out.stdout.trim());
            if (command === 'scancel') sent.cancelled.push(...args.filter((a) => !a.startsWith('--')));
            return out;
          };
          const wiring = slurmRayPool({ pool: POOL, demand: file.demand as RayDemandConfig, backend: file.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs, exec });
          let state: PoolTickState = EMPTY_TICK_STATE;
          const runOne = async () => {
            const r = await tick({ pool: POOL, policy, backend: wiring.backend, demand: wiring.demand, probe: wiring.probe, state, now: slurm.nowMs, dryRun: false });
            state = r.state;
            return r;
          };
          const records = (): Record<string, { state: string }> => {
            try {
              return (JSON.parse(readFileSync(slurm.statePath, 'utf8')) as { jobs: Record<string, { state: string }> }).jobs;
            } catch {
              return {};
            }
          };
          const live = () => slurm.jobs().filter((j) => j.user === 'alice' && j.name === `${POOL}-worker` && j.comment.startsWith(`evalai-autoscaler:pool=${POOL} `) && (j.state === 'PENDING' || j.state === 'RUNNING'));
          const counting = () => {
            const rec = records();
            return live().filter((j) => ['ready', 'launching'].includes(rec[j.id]?.state ?? 'launching')).length;
          };
          const joinRunning = (limit: number) => {
            let n = 0;
            for (const j of live().filter((x) => x.state === 'RUNNING')) {
              if (n >= limit) break;
              if (ray.nodes.some((x) => x.node_name === rayNodeName(POOL, j.id))) continue;
              ray.join(rayNodeName(POOL, j.id));
              n += 1;
            }
          };

          for (const [k, s] of steps.entries()) {
            if (s.withdraw) ray.tasks = ray.tasks.filter((t) => t.state !== 'PENDING_NODE_ASSIGNMENT');
            ray.addPending(s.addTasks);
            for (const j of live().filter((x) => x.state === 'PENDING').slice(0, s.starts)) slurm.start(j.id);
            joinRunning(s.joins);
            if (s.finish) ray.finishRunning();
            if (s.schedule) ray.schedule(p.jobsPerHost);
            if (s.killNode !== null) {
              const n = ray.nodes.filter((x) => !x.is_head_node && x.state === 'ALIVE')[s.killNode];
              if (n) {
                n.state = 'DEAD';
                for (const t of ray.tasks) if (t.node_id === n.node_id && t.state === 'RUNNING') t.state = 'FAILED';
              }
            }
            if (s.jobFails !== null) {
              const j = live().filter((x) => x.state === 'RUNNING')[s.jobFails];
              if (j) {
                slurm.update((t) => {
                  t.jobs.find((x) => x.id === j.id)!.state = 'NODE_FAIL';
                });
                ray.die(rayNodeName(POOL, j.id));
                for (const t of ray.tasks) if (t.state === 'RUNNING' && !ray.nodes.some((n) => n.node_id === t.node_id && n.state === 'ALIVE')) t.state = 'FAILED';
              }
            }
            if (s.slurmFault === 'squeueEmpty') slurm.emptyNext();
            else if (s.slurmFault === 'sbatchHang') hang = 'lost';
            else if (s.slurmFault === 'sbatchHangSubmitted') hang = 'submitted';
            else if (s.slurmFault !== 'none') slurm.failNext(s.slurmFault, `${s.slurmFault}: error: Socket timed out on send/recv operation`);
            ray.mode = s.dashboard;
            sent.submitted = [];
            sent.cancelled = [];
            const r = await runOne();
            slurm.update((t) => {
              t.fail = {};
              t.empty = {};
            });
            // The report equals what was sent: every job sbatch answered with, every scancel that went through.
            if (JSON.stringify(r.launches.launched) !== JSON.stringify(sent.submitted)) violations.push(`tick ${k}: report says launched ${r.launches.launched.join(',')}, sbatch answered ${sent.submitted.join(',')}`);
            if (JSON.stringify([...r.terminated].sort()) !== JSON.stringify([...sent.cancelled].sort())) violations.push(`tick ${k}: report says terminated ${r.terminated.join(',')}, scancel sent ${sent.cancelled.join(',')}`);
            hang = 'none';
            ray.mode = 'ok';
            if (counting() > policy.maxHosts) violations.push(`tick ${k}: ${counting()} counting > max ${policy.maxHosts}`);
            for (const id of foreign) if (r.hosts.some((h) => h.id === id)) violations.push(`tick ${k}: foreign job ${id} seen as a host of the pool`);
            if (!r.failed && counting() < Math.min(policy.minHosts, policy.maxLaunchesPerTick)) violations.push(`tick ${k}: ${counting()} counting < min ${policy.minHosts}`);
            slurm.advance(s.advanceMs);
          }
          foreign.forEach((id, i) => {
            const expected = i === 2 ? 'PENDING' : 'RUNNING';
            if (slurm.job(id).state !== expected) violations.push(`foreign job ${id} is ${slurm.job(id).state}`);
          });

          // Steady demand, no faults: the scheduler starts every job and every node joins.
          ray.tasks = ray.tasks.filter((t) => t.state === 'RUNNING');
          ray.finishRunning();
          ray.addPending(steadyN);
          // n + 2√n jobs at jobsPerHost per host, within min and max (written from the policy, not with desiredSize).
          const jobs = steadyN + 2 * Math.sqrt(steadyN);
          const want = Math.min(policy.maxHosts, Math.max(policy.minHosts, Math.ceil(jobs / policy.jobsPerHost - 1e-9)));
          const bound = Math.ceil(policy.maxHosts / policy.maxLaunchesPerTick) + 20;
          for (let t = 0; t < bound; t += 1) {
            slurm.startAll();
            joinRunning(100);
            await runOne();
            slurm.advance(MIN);
          }
          const rec = records();
          const states = live().map((j) => `${j.id}:${j.state}:${rec[j.id]?.state ?? 'none'}`);
          if (counting() !== want || live().some((j) => rec[j.id]?.state !== 'ready')) violations.push(`not converged after ${bound} ticks: want ${want} ready, have ${states.join(', ')}`);
        } finally {
          slurm.cleanup();
        }
        expect(violations).toEqual([]);
      }),
      { numRuns: 40, seed: 1129 },
    );
  }, 300_000);
});
