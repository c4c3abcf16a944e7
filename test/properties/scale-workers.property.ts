import fc from 'fast-check';
import { stateFromSeed } from '../../src/sandbox/index.js';
import { listEntry, metricsOf, pendingProblem } from './harness/observations.js';
import type { CommandProperty, Schedule } from './harness/property.js';
import { smallSeed, type Infra } from './harness/sandbox-world.js';
import { commonKnobsArb, manageWorkerFaultsArb, rec } from './harness/schedule.js';

/** Ended, quiet and active background challenges, every ECS case, two EC2 ones, the odd ones. */
const IDS = [1, 41, 42, 290, 301, 302, 303, 304, 305, 306, 307, 308, 309, 319, 320, 321, 322, 323];
const SEED = smallSeed(new Date(), IDS);
const LISTED = IDS.filter((id) => id !== 320);

export interface ScaleWorkersSchedule extends Schedule {
  env: 'prod' | 'dev';
  includeEc2: boolean;
  /** Workers before the run, for a few challenges. */
  workers: Array<{ id: number; workers: number | null }>;
  /** manage_worker answers {"action": "Failure"} for this challenge. */
  workerFailure?: number;
}

export const scheduleArb: fc.Arbitrary<ScaleWorkersSchedule> = rec<ScaleWorkersSchedule>(
  {
    knobs: commonKnobsArb(LISTED),
    faults: manageWorkerFaultsArb(LISTED),
    env: fc.constantFrom('prod' as const, 'dev' as const),
    includeEc2: fc.boolean(),
    workers: fc.uniqueArray(rec<{ id: number; workers: number | null }>({ id: fc.constantFrom(...LISTED), workers: fc.constantFrom(null, 0, 1, 2) }), { maxLength: 3, selector: (w) => w.id }),
    workerFailure: fc.option(fc.constantFrom(301, 302, 303, 290), { nil: undefined }),
  },
  ['knobs', 'faults', 'env', 'includeEc2', 'workers'],
);

export const property = (infra: () => Infra): CommandProperty<ScaleWorkersSchedule> => ({
  name: 'scale-workers',
  command: 'scale-workers',
  infra,
  state(s) {
    const state = stateFromSeed(SEED);
    for (const w of s.workers) state.challenges.get(w.id)!.workers = w.workers;
    if (s.workerFailure !== undefined) state.challenges.get(s.workerFailure)!.workerFailure = { Code: 'ServiceNotFoundException', Message: 'Service not found.' };
    return state;
  },
  plan(s) {
    return { argv: ['--env', s.env, ...(s.includeEc2 ? ['--include-ec2'] : [])], env: {} };
  },
  model: {
    httpTarget(q) {
      const m = /^\/api\/challenges\/(\d+)\/manage_worker\/(\w+)\/$/.exec(q.path);
      if (!m) return null;
      return { target: `challenge:${m[1]}`, challenge: Number(m[1]), removal: m[2] === 'stop' || m[2] === 'delete' };
    },
    observations: (m, truth) => [listEntry(truth, m.challenge), metricsOf(m.challenge)],
    removalProblem: (m, truth, rec) => pendingProblem(rec, truth, m, m.challenge, metricsOf(m.challenge)),
  },
});
