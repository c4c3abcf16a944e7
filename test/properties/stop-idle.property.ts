import fc from 'fast-check';
import { stateFromSeed } from '../../src/sandbox/index.js';
import { listEntry, metricsOf, pendingProblem } from './harness/observations.js';
import type { CommandProperty, Schedule } from './harness/property.js';
import { smallSeed, type Infra } from './harness/sandbox-world.js';
import { commonKnobsArb, manageWorkerFaultsArb, rec } from './harness/schedule.js';

const DAY_MS = 86_400_000;

/**
 * Ended with a worker (41: long ago, workers 0; 305: 3 days ago; 306: 2 days ago, draining), the
 * unapproved old one (319), active ones, the disabled one (320, not listed), docker-based ones
 * (315: 4 pending; 318: ended 60 days ago; covered like the others once given a worker), quiet
 * background.
 */
const IDS = [1, 41, 42, 290, 301, 302, 303, 304, 305, 306, 307, 315, 318, 319, 320, 321, 322, 323];
const SEED = smallSeed(new Date(), IDS);
const LISTED = IDS.filter((id) => id !== 320);

export interface StopIdleSchedule extends Schedule {
  grace: '1d' | '2d' | '4d';
  unapprovedAfter: '2d' | '20d';
  action?: 'delete' | 'stop';
  /** Workers before the run, for a few challenges. */
  workers: Array<{ id: number; workers: number | null }>;
  /** These challenges become unapproved, created 30 days ago (busy ones among them). */
  unapproved: number[];
  /** These challenges ended `endedDaysAgo` days ago (pending ones among them). */
  ended: Array<{ id: number; endedDaysAgo: number }>;
  workerFailure?: number;
}

export const scheduleArb: fc.Arbitrary<StopIdleSchedule> = rec<StopIdleSchedule>(
  {
    knobs: commonKnobsArb(LISTED),
    faults: manageWorkerFaultsArb(LISTED),
    grace: fc.constantFrom('1d' as const, '2d' as const, '4d' as const),
    unapprovedAfter: fc.constantFrom('2d' as const, '20d' as const),
    action: fc.option(fc.constantFrom('delete' as const, 'stop' as const), { nil: undefined }),
    workers: fc.uniqueArray(rec<{ id: number; workers: number | null }>({ id: fc.constantFrom(...LISTED), workers: fc.constantFrom(null, 0, 1, 2) }), { maxLength: 3, selector: (w) => w.id }),
    unapproved: fc.uniqueArray(fc.constantFrom(301, 303, 304, 315, 322, 323), { maxLength: 2 }),
    ended: fc.uniqueArray(rec<{ id: number; endedDaysAgo: number }>({ id: fc.constantFrom(301, 302, 303, 304, 315, 323), endedDaysAgo: fc.constantFrom(1, 3, 10) }), { maxLength: 2, selector: (e) => e.id }),
    workerFailure: fc.option(fc.constantFrom(41, 305, 319), { nil: undefined }),
  },
  ['knobs', 'faults', 'grace', 'unapprovedAfter', 'workers', 'unapproved', 'ended'],
);

export const property = (infra: () => Infra): CommandProperty<StopIdleSchedule> => ({
  name: 'stop-idle',
  command: 'stop-idle',
  infra,
  state(s) {
    const state = stateFromSeed(SEED);
    const now = Date.now();
    for (const id of s.unapproved) {
      const c = state.challenges.get(id)!;
      c.approved_by_admin = false;
      c.created_at = new Date(now - 30 * DAY_MS);
    }
    for (const e of s.ended) {
      const c = state.challenges.get(e.id)!;
      c.end_date = new Date(now - e.endedDaysAgo * DAY_MS);
      c.start_date = new Date(now - 60 * DAY_MS);
    }
    for (const w of s.workers) state.challenges.get(w.id)!.workers = w.workers;
    if (s.workerFailure !== undefined) state.challenges.get(s.workerFailure)!.workerFailure = 'Please select challenges with active workers only.';
    return state;
  },
  plan(s) {
    return { argv: ['--grace', s.grace, '--unapproved-after', s.unapprovedAfter, ...(s.action ? ['--action', s.action] : [])], env: {} };
  },
  model: {
    httpTarget(q) {
      const m = /^\/api\/challenges\/(\d+)\/manage_worker\/(\w+)\/$/.exec(q.path);
      if (!m) return null;
      return { target: `challenge:${m[1]}`, challenge: Number(m[1]), removal: true };
    },
    observations: (m, truth) => [listEntry(truth, m.challenge), metricsOf(m.challenge)],
    removalProblem: (m, truth, rec) => pendingProblem(rec, truth, m, m.challenge, metricsOf(m.challenge)),
  },
});
