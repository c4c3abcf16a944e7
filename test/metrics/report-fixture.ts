import type { Outcome } from '../../src/core/outcome.js';
import { countOutcomes, type RunReport } from '../../src/core/report.js';

/** A report as runCommand builds it, from outcomes shaped as each command's decide/act produce them. */
export function aReport(outcomes: Outcome[], overrides: Partial<RunReport> = {}): RunReport {
  return {
    command: 'scale-workers',
    dryRun: false,
    startedAt: '2026-11-22T12:00:00.000Z',
    finishedAt: '2026-11-22T12:00:02.500Z',
    exitCode: 0,
    errors: [],
    ...countOutcomes(outcomes),
    outcomes,
    ...overrides,
  };
}

const o = (challengeId: number, action: string, status: Outcome['status'], facts?: Record<string, unknown>, extra: Partial<Outcome> = {}): Outcome => ({
  challengeId,
  title: `Challenge "${challengeId}" with a title`,
  action,
  reason: 'because',
  status,
  ...(facts ? { facts } : {}),
  ...extra,
});

/** scale-workers: `{ pending, workers, ended }` (src/commands/scale-workers/decide.ts). */
export const scaleWorkersOutcomes: Outcome[] = [
  o(1, 'start', 'done', { pending: 3, workers: null, ended: false }),
  o(2, 'stop', 'done', { pending: 0, workers: 1, ended: false }),
  o(3, 'none', 'unchanged', { pending: 'not read', workers: null, ended: true }),
  o(4, 'none', 'unchanged', { pending: 2, workers: 1, ended: false }),
  o(5, 'skip', 'skipped'),
  o(6, 'start', 'failed', { pending: 1, workers: 0, ended: false }, { error: 'EvalAI answered Failure' }),
  o(7, 'none', 'unchanged', { pending: 0, workers: 0, ended: false }),
];

/** scale-ec2: `{ instanceId, state, pending, ended }` (src/commands/scale-ec2/decide.ts, act.ts). */
export const scaleEc2Outcomes: Outcome[] = [
  o(11, 'start', 'done', { instanceId: 'i-1', state: 'stopped', pending: 2, ended: false, previousState: 'stopped', currentState: 'pending' }),
  o(12, 'none', 'unchanged', { instanceId: 'i-2', state: 'stopped', pending: 0, ended: false }),
  o(13, 'none', 'unchanged', { instanceId: 'i-3', state: 'running', pending: 1, ended: false }),
];

/** scale-eks: `{ pending, nodegroup, status, current, desiredCap, ... }` (src/commands/scale-eks/decide.ts). */
export const scaleEksOutcomes: Outcome[] = [
  o(21, 'scale-up', 'done', { pending: 4, ended: false, disabled: false, nodegroup: 'ng', status: 'ACTIVE', current: { minSize: 0, desiredSize: 0, maxSize: 2 }, desiredCap: 2, maxSizeCap: 2 }),
  o(22, 'none', 'unchanged', { pending: 0, ended: true, disabled: false, nodegroup: 'ng2', status: 'ACTIVE', current: { minSize: 0, desiredSize: 0, maxSize: 1 }, desiredCap: 1, maxSizeCap: 1 }),
];

/** cancel-stale: a challenge outcome with pending by status, and one per submission. */
export const cancelStaleOutcomes: Outcome[] = [
  o(31, 'none', 'unchanged', { pending: { running: 2, submitted: 1, queued: 0, resuming: 0 }, listed: { running: 2 }, stale: 1, notStale: 1, untrusted: 0 }),
  o(31, 'cancel', 'done', { ageSeconds: 100000 }, { submissionId: 9001 }),
  o(31, 'cancel', 'failed', { ageSeconds: 100000 }, { submissionId: 9002, error: 'refused' }),
];
