import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rayNodeName } from '../../src/pool/backends/slurm.js';
import { slurmRayPool } from '../../src/pool/backends/slurm-ray.js';
import { parsePoolFile, type RayDemandConfig, type SlurmBackendConfig } from '../../src/pool/config.js';
import type { PoolPolicy } from '../../src/pool/policy.js';
import { EMPTY_TICK_STATE, tick, type PoolTickState } from '../../src/pool/tick.js';
import type { Exec } from '../../src/runtime/exec.js';
import { policy as makePolicy, MIN } from './builders.js';
import { RayDashboardFake } from './ray-dashboard-fake.js';
import { SlurmFake } from './slurm-fake.js';

/**
 * Seed 004's pool under random demand and faults: many ticks of the Ray demand and the SLURM
 * backend against the fake SLURM (in-process, same job table as the executables) and the fake Ray
 * dashboard. Faults: sbatch/squeue/scancel failing, squeue listing nothing once, the dashboard down
 * or answering garbage, jobs the scheduler leaves queued, Ray nodes that never join or die, jobs
 * ending under the pool (node failure), and tasks landing on a worker between the tick's first look
 * and the re-check right before scancel. The invariants are checked on EVERY tick, failed or not;
 * the expected size is written out from n and the policy (never with `desiredSize`).
 *
 * Properties that today's code breaks are `it.fails`, each naming the item of issue 17 that fixes
 * it: flip them to `it` when the fix is merged. FC_SEED=<n> pins another seed.
 */
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 1129;
const POOL = 'rp';
const START = Date.UTC(2026, 10, 29, 12);

/** Workers a pool of this policy needs for n tasks: ceil((n + 2√n) / tasks per worker), clamped to [min, max]. */
function need(n: number, p: PoolPolicy): number {
  const hosts = Math.ceil((n + 2 * Math.sqrt(n)) / p.jobsPerHost - 1e-9);
  return Math.min(p.maxHosts, Math.max(p.minHosts, hosts));
}

/** The cap on live jobs: issue 17 item 1's `policy.maxLiveHosts`, or max + half of max until it exists. */
function liveCap(p: PoolPolicy): number {
  return (p as PoolPolicy & { maxLiveHosts?: number }).maxLiveHosts ?? p.maxHosts + Math.ceil(p.maxHosts / 2);
}

type SlurmFault = 'none' | 'sbatch' | 'squeue' | 'scancel' | 'squeueEmpty';

interface Step {
  addTasks: number;
  withdraw: boolean;
  /** Of the PENDING jobs, how many the scheduler starts. */
  starts: number;
  /** Of the RUNNING jobs without a Ray node, how many join. */
  joins: number;
  schedule: boolean;
  finish: boolean;
  slurmFault: SlurmFault;
  dashboard: 'ok' | 'down' | 'garbage';
  killNode: number | null;
  jobFails: number | null;
  /** By position among the pool's live jobs: a task lands on its Ray node after the tick's first look. */
  land: boolean[];
  advanceMs: number;
}

function stepArb(faults: readonly SlurmFault[]): fc.Arbitrary<Step> {
  return fc.record({
    addTasks: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })),
    withdraw: fc.constantFrom(false, true, true),
    starts: fc.integer({ min: 0, max: 6 }),
    joins: fc.integer({ min: 0, max: 6 }),
    schedule: fc.boolean(),
    finish: fc.constantFrom(false, true, true),
    slurmFault: fc.constantFrom<SlurmFault>('none', 'none', 'none', 'none', ...faults),
    dashboard: fc.constantFrom('ok', 'ok', 'ok', 'ok', 'ok', 'down', 'garbage'),
    killNode: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 4 }),
    jobFails: fc.option(fc.integer({ min: 0, max: 7 }), { freq: 5 }),
    land: fc.array(fc.constantFrom(false, true, true), { minLength: 8, maxLength: 8 }),
    advanceMs: fc.integer({ min: 10_000, max: 3 * MIN }),
  });
}

const policyArb = fc
  .record({ minHosts: fc.integer({ min: 0, max: 2 }), extra: fc.integer({ min: 1, max: 5 }), jobsPerHost: fc.integer({ min: 1, max: 4 }), maxLaunchesPerTick: fc.integer({ min: 1, max: 4 }), delay: fc.constantFrom(0, 0, 2 * MIN, 10 * MIN) })
  .map((p) => makePolicy({ minHosts: p.minHosts, maxHosts: p.minHosts + p.extra, jobsPerHost: p.jobsPerHost, maxLaunchesPerTick: p.maxLaunchesPerTick, scaleDownDelayMs: p.delay, minUptimeMs: p.delay }));

type Invariant = 'maxCounting' | 'liveCap' | 'busyCancelled' | 'foreignTouched' | 'reportIsSent' | 'launchOnNeed' | 'progress' | 'converges';

let ray: RayDashboardFake;
let url: string;
beforeAll(async () => {
  ray = new RayDashboardFake();
  url = await ray.start();
});
afterAll(async () => {
  await ray.stop();
});

/** `scancelFailsFirst`: the first scancel of each job fails (a site's scancel timing out), so every cancel goes through a retry. */
async function runSchedule(policy: PoolPolicy, steps: Step[], steadyN: number, opts: { scancelFailsFirst?: boolean } = {}): Promise<Record<Invariant, string[]>> {
  const violations: Record<Invariant, string[]> = { maxCounting: [], liveCap: [], busyCancelled: [], foreignTouched: [], reportIsSent: [], launchOnNeed: [], progress: [], converges: [] };
  const slurm = new SlurmFake(START);
  ray.tasks = [];
  ray.nodes = ray.nodes.filter((n) => n.is_head_node);
  ray.mode = 'ok';
  try {
    const file = parsePoolFile(
      JSON.stringify({
        pools: [
          {
            name: POOL,
            demand: { type: 'ray', dashboard: url },
            backend: { type: 'slurm', headAddress: '10.0.0.1:6379', wallTime: '2-00:00:00', workerTypes: [{ name: 'cpu', cpus: policy.jobsPerHost }], user: 'alice' },
            policy: { minHosts: 0, maxHosts: 1 },
          },
        ],
      }),
      'pool.json',
    ).pools[0]!;
    const foreign = [slurm.addForeign({ name: 'analysis' }), slurm.addForeign({ name: `${POOL}-worker`, comment: 'by hand' }), slurm.addForeign({ name: 'x', comment: `evalai-autoscaler:pool=${POOL}`, state: 'PENDING' })];
    const foreignStates = ['RUNNING', 'RUNNING', 'PENDING'];
    const busyOn = (jobId: string): number => {
      const node = ray.nodes.find((n) => n.node_name === rayNodeName(POOL, jobId) && n.state === 'ALIVE');
      return node ? ray.tasks.filter((t) => t.node_id === node.node_id && t.state === 'RUNNING').length : 0;
    };
    let fault: SlurmFault = 'none';
    let submitted: string[] = [];
    let cancelled: string[] = [];
    // After the tick's first squeue (and its probes), a task lands on the workers flagged `land` as the
    // first acting call goes out: between the decision and the re-check right before scancel.
    let landOn = new Set<string>();
    let listed = false;
    const scancelFailed = new Set<string>();
    const landTasks = () => {
      for (const id of landOn) {
        const node = ray.nodes.find((n) => n.node_name === rayNodeName(POOL, id) && n.state === 'ALIVE');
        if (node) ray.tasks.push({ task_id: `landed-${id}-${ray.tasks.length}`, state: 'RUNNING', node_id: node.node_id });
      }
      landOn.clear();
    };
    // sbatch and scancel are watched as they happen: what was sent, no busy worker, no foreign job.
    const exec: Exec = async (command, args, options) => {
      const name = command.split('/').pop();
      if (listed) landTasks();
      listed = true;
      if (name === 'scancel' && opts.scancelFailsFirst) {
        const ids = args.filter((a) => !a.startsWith('--'));
        if (ids.some((id) => !scancelFailed.has(id))) {
          for (const id of ids) scancelFailed.add(id);
          slurm.failNext('scancel', 'scancel: error: Socket timed out on send/recv operation');
        }
      }
      if (name === 'squeue' && fault === 'squeueEmpty') {
        fault = 'none';
        return { stdout: JSON.stringify({ jobs: [], meta: { plugin: { type: 'openapi/v0.0.40' } }, errors: [] }), stderr: '' };
      }
      if (name === 'scancel' && !slurm.read().fail.scancel) {
        for (const id of args.filter((a) => !a.startsWith('--'))) {
          if (foreign.includes(id)) violations.foreignTouched.push(`scancel of foreign job ${id}`);
          const busy = busyOn(id);
          if (busy > 0) violations.busyCancelled.push(`scancel of job ${id} whose Ray node runs ${busy} task(s)`);
          cancelled.push(id);
        }
      }
      const out = await slurm.exec(command, args, options);
      if (name === 'sbatch') submitted.push(out.stdout.trim());
      return out;
    };
    const wiring = slurmRayPool({ pool: POOL, demand: file.demand as RayDemandConfig, backend: file.backend as SlurmBackendConfig, statePath: slurm.statePath, now: () => slurm.nowMs, exec });

    // The tick's demand, as the dashboard holds it when first asked (n = tasks waiting for a node).
    let nSeen: number | null = null;
    let demandReads = 0;
    const demand = {
      read: () => {
        demandReads += 1;
        if (demandReads === 1) nSeen = ray.mode === 'ok' ? ray.count('PENDING_NODE_ASSIGNMENT') : null;
        return wiring.demand.read();
      },
    };

    let state: PoolTickState = EMPTY_TICK_STATE;
    const records = (): Record<string, { state: string }> => {
      try {
        return (JSON.parse(readFileSync(slurm.statePath, 'utf8')) as { jobs: Record<string, { state: string }> }).jobs;
      } catch {
        return {};
      }
    };
    const live = () => slurm.jobs().filter((j) => j.name === `${POOL}-worker` && j.comment.startsWith(`evalai-autoscaler:pool=${POOL} `) && (j.state === 'PENDING' || j.state === 'RUNNING'));
    const counting = () => {
      const rec = records();
      return live().filter((j) => ['ready', 'launching'].includes(rec[j.id]?.state ?? 'launching'));
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

    const runTick = async (k: number | 'steady', s: Step) => {
      // A worker whose scancel failed is still in Ray, and takes a task like any other.
      const rec = records();
      landOn = new Set(live().flatMap((j, i) => (s.land[i % s.land.length] && rec[j.id]?.state === 'terminating' ? [j.id] : [])));
      landTasks();
      landOn = new Set(live().flatMap((j, i) => (s.land[i % s.land.length] ? [j.id] : [])));
      listed = false;
      demandReads = 0;
      nSeen = null;
      submitted = [];
      cancelled = [];
      fault = s.slurmFault;
      if (s.slurmFault === 'sbatch' || s.slurmFault === 'squeue' || s.slurmFault === 'scancel') slurm.failNext(s.slurmFault, `${s.slurmFault}: error: Socket timed out on send/recv operation`);
      ray.mode = s.dashboard;
      const r = await tick({ pool: POOL, policy, backend: wiring.backend, demand, probe: wiring.probe, state, now: slurm.nowMs, dryRun: false });
      state = r.state;
      slurm.update((t) => {
        t.fail = {};
      });
      fault = 'none';
      ray.mode = 'ok';
      const at = `tick ${k}`;

      if (counting().length > policy.maxHosts) violations.maxCounting.push(`${at}: ${counting().length} ready + launching > max ${policy.maxHosts}`);
      if (live().length > liveCap(policy)) violations.liveCap.push(`${at}: ${live().length} live jobs > cap ${liveCap(policy)} (max ${policy.maxHosts})`);
      foreign.forEach((id, i) => {
        if (slurm.job(id).state !== foreignStates[i]) violations.foreignTouched.push(`${at}: foreign job ${id} is ${slurm.job(id).state}`);
      });
      const same = (a: string[], b: string[]) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
      if (!same(r.launches.launched, submitted)) violations.reportIsSent.push(`${at}: report launched [${r.launches.launched.join(',')}], sbatch submitted [${submitted.join(',')}]`);
      if (!same(r.terminated, cancelled)) violations.reportIsSent.push(`${at}: report terminated [${r.terminated.join(',')}], scancel sent for [${cancelled.join(',')}]`);

      // Workers the tick found not healthy (their Ray node gone, near wall time) are replaced whatever their record still says.
      const judgedSick = new Set(r.hosts.filter((h) => (h.state === 'ready' || h.state === 'draining') && h.probe && !(h.probe.ok && h.probe.healthy)).map((h) => h.id));
      const effective = counting().filter((j) => !judgedSick.has(j.id)).length;
      if (submitted.length > 0) {
        if (nSeen === null) violations.launchOnNeed.push(`${at}: submitted ${submitted.length} while the demand was unknown`);
        else if (effective > need(nSeen, policy)) violations.launchOnNeed.push(`${at}: submitted ${submitted.length}, leaving ${effective} ready + launching for n=${nSeen} (needs ${need(nSeen, policy)})`);
      } else if (!r.failed && nSeen !== null && effective < need(nSeen, policy)) {
        violations.progress.push(`${at}: ${effective} ready + launching < ${need(nSeen, policy)} needed for n=${nSeen}, nothing submitted, no failure reported`);
      }
    };

    for (const [k, s] of steps.entries()) {
      if (s.withdraw) ray.tasks = ray.tasks.filter((t) => t.state !== 'PENDING_NODE_ASSIGNMENT');
      ray.addPending(s.addTasks);
      for (const j of live().filter((x) => x.state === 'PENDING').slice(0, s.starts)) slurm.start(j.id);
      joinRunning(s.joins);
      if (s.finish) ray.finishRunning();
      if (s.schedule) ray.schedule(policy.jobsPerHost);
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
      await runTick(k, s);
      slurm.advance(s.advanceMs);
    }

    // Steady demand, no faults: the scheduler starts every job, every node joins, nothing lands.
    ray.tasks = ray.tasks.filter((t) => t.state === 'RUNNING');
    ray.finishRunning();
    ray.addPending(steadyN);
    const steady: Step = { ...steps[0]!, slurmFault: 'none', dashboard: 'ok', land: [false] };
    const bound = Math.ceil(policy.maxHosts / policy.maxLaunchesPerTick) + 20;
    for (let t = 0; t < bound; t += 1) {
      for (const j of live().filter((x) => x.state === 'PENDING')) slurm.start(j.id);
      joinRunning(100);
      await runTick('steady', steady);
      slurm.advance(MIN);
    }
    const rec = records();
    const want = need(steadyN, policy);
    const states = live().map((j) => `${j.id}:${j.state}:${rec[j.id]?.state ?? 'none'}`);
    if (counting().length !== want || live().some((j) => rec[j.id]?.state !== 'ready')) violations.converges.push(`not settled after ${bound} steady ticks: n=${steadyN} needs ${want} ready, have ${states.join(', ') || 'none'}`);
  } finally {
    slurm.cleanup();
  }
  return violations;
}

function pick(v: Record<Invariant, string[]>, names: readonly Invariant[]): Partial<Record<Invariant, string[]>> {
  return Object.fromEntries(names.map((k) => [k, v[k]]).filter(([, lines]) => lines!.length > 0));
}

const ALL_BUT_LIVE_CAP: readonly Invariant[] = ['maxCounting', 'busyCancelled', 'foreignTouched', 'reportIsSent', 'launchOnNeed', 'progress', 'converges'];

/**
 * `known` marks a property today's code breaks (an `it.fails`): it stops at the first counterexample
 * instead of shrinking it, so that the known failure costs little. Drop it with the `.fails`.
 */
function property(faults: readonly SlurmFault[], invariants: readonly Invariant[], numRuns: number, opts: { known?: boolean; scancelFailsFirst?: boolean } = {}) {
  return fc.assert(
    fc.asyncProperty(policyArb, fc.array(stepArb(faults), { minLength: 5, maxLength: 20 }), fc.integer({ min: 0, max: 30 }), async (policy, steps, steadyN) => {
      const v = await runSchedule(policy, steps, steadyN, { scancelFailsFirst: opts.scancelFailsFirst ?? false });
      expect(pick(v, invariants)).toEqual({});
    }),
    { numRuns, seed: SEED, endOnFailure: opts.known ?? false },
  );
}

describe('scale-pool on SLURM with Ray demand, under random demand and faults', () => {
  it('on every tick: ready + launching <= max, live jobs <= the live cap, no busy worker cancelled (tasks land between decide and act), foreign jobs untouched, the report is what was sent, submits only for what n needs; then it settles', async () => {
    await property(['sbatch', 'squeue'], [...ALL_BUT_LIVE_CAP, 'liveCap'], 40);
  }, 120_000);

  // Fixed by issue 17 item 5 (every terminate and scancel, retries included, asks the probe or Ray
  // again right before the call): today a job left `terminating` by a failed scancel is cancelled on
  // the next tick without asking Ray, though a task landed on its node meanwhile.
  it.fails('scancel failing once: the retry does not cancel a worker that took tasks meanwhile (issue 17 item 5)', async () => {
    await property(['sbatch', 'squeue'], ALL_BUT_LIVE_CAP, 40, { known: true, scancelFailsFirst: true });
  }, 120_000);

  // Fixed by issue 17 item 8 (a job id sbatch returned stays tracked until SLURM confirms it ended):
  // today one empty squeue marks the pool's jobs terminated and submits as many again.
  it.fails('squeue listing nothing once: jobs stay tracked, nothing submitted on top (issue 17 item 8)', async () => {
    await property(['sbatch', 'squeue', 'squeueEmpty', 'squeueEmpty'], ALL_BUT_LIVE_CAP, 40, { known: true });
  }, 120_000);
});
