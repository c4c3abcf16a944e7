import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, SUBMISSION_STATUSES, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './http.js';

const worker = (pk: number, action: string): string => `/api/challenges/${pk}/manage_worker/${action}/`;

describe('manage_worker (§2.7)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());
  const workersOf = (pk: number): number | null => sb.state.challenges.get(pk)!.workers;

  it('start: null → 1 and 0 → 1; a second start is a 200 Failure', async () => {
    const token = sb.tokens.staff;
    sb.state.challenges.get(SEEDED.activePendingNoWorker)!.evaluation_module_error = 'ImportError';
    const res = await call(sb, 'PUT', worker(SEEDED.activePendingNoWorker, 'start'), { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ action: 'Success' });
    expect(workersOf(SEEDED.activePendingNoWorker)).toBe(1);
    expect(sb.state.challenges.get(SEEDED.activePendingNoWorker)!.evaluation_module_error).toBeNull();
    expect((await call(sb, 'PUT', worker(SEEDED.activePendingStoppedWorker, 'start'), { token })).body).toEqual({ action: 'Success' });
    expect(workersOf(SEEDED.activePendingStoppedWorker)).toBe(1);
    const again = await call(sb, 'PUT', worker(SEEDED.activePendingNoWorker, 'start'), { token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ action: 'Failure', error: 'Please select challenge with inactive workers only.' });
  });

  it('stop: 1 → 0 by a host; stopping again fails; restart keeps workers', async () => {
    const token = sb.tokens.host(SEEDED.teams.ecs);
    expect((await call(sb, 'PUT', worker(SEEDED.activeBusyWorker, 'restart'), { token })).body).toEqual({ action: 'Success' });
    expect(workersOf(SEEDED.activeBusyWorker)).toBe(1);
    expect((await call(sb, 'PUT', worker(SEEDED.activeIdleWorker, 'stop'), { token })).body).toEqual({ action: 'Success' });
    expect(workersOf(SEEDED.activeIdleWorker)).toBe(0);
    expect((await call(sb, 'PUT', worker(SEEDED.activeIdleWorker, 'stop'), { token })).body).toEqual({
      action: 'Failure',
      error: 'Please select challenges with active workers only.',
    });
  });

  it('refuses start/stop/restart after end_date with 406, but staff can delete', async () => {
    const res = await call(sb, 'PUT', worker(SEEDED.endedIdleWorker, 'stop'), { token: sb.tokens.staff });
    expect(res.status).toBe(406);
    expect(res.body).toEqual({ error: 'Action stop worker is not supported for an inactive challenge.' });
    const hostDelete = await call(sb, 'PUT', worker(SEEDED.endedIdleWorker, 'delete'), { token: sb.tokens.host(SEEDED.teams.ecs) });
    expect(hostDelete.status).toBe(400);
    expect(hostDelete.body).toEqual({ error: 'Sorry, you are not authorized for access worker operations.' });
    expect((await call(sb, 'PUT', worker(SEEDED.endedIdleWorker, 'delete'), { token: sb.tokens.staff })).body).toEqual({ action: 'Success' });
    expect(workersOf(SEEDED.endedIdleWorker)).toBeNull();
    expect((await call(sb, 'PUT', worker(SEEDED.endedIdleWorker, 'delete'), { token: sb.tokens.staff })).body).toEqual({
      action: 'Failure',
      error: 'Please select challenges with active workers only.',
    });
  });

  it('runs its checks in order: authorisation, action, pk', async () => {
    const participant = await call(sb, 'PUT', worker(99999, 'explode'), { token: sb.tokens.participant });
    expect(participant.status).toBe(400);
    const badAction = await call(sb, 'PUT', worker(99999, 'explode'), { token: sb.tokens.staff });
    expect(badAction.status).toBe(406);
    expect(badAction.body).toEqual({ error: 'The action explode is invalid for worker' });
    const unknown = await call(sb, 'PUT', worker(99999, 'start'), { token: sb.tokens.staff });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Challenge 99999 does not exist' });
    expect((await call(sb, 'GET', worker(SEEDED.activeIdleWorker, 'stop'), { token: sb.tokens.staff })).status).toBe(405);
  });

  it('reports forced AWS failures and the EC2/remote restart refusal as 200 Failure', async () => {
    sb.state.challenges.get(SEEDED.activeIdleWorker)!.workerFailure = { Code: 'ServiceNotFoundException', Message: 'Service not found.' };
    expect((await call(sb, 'PUT', worker(SEEDED.activeIdleWorker, 'stop'), { token: sb.tokens.staff })).body).toEqual({
      action: 'Failure',
      error: { Code: 'ServiceNotFoundException', Message: 'Service not found.' },
    });
    expect(workersOf(SEEDED.activeIdleWorker)).toBe(1);
    sb.state.challenges.get(SEEDED.ec2RunningBusy)!.workers = 2;
    expect((await call(sb, 'PUT', worker(SEEDED.ec2RunningBusy, 'restart'), { token: sb.tokens.staff })).body).toEqual({
      action: 'Failure',
      error: 'Worker task definition refresh is not supported for this challenge type.',
    });
  });

  it('always fails on a DEBUG server, naming the verb', async () => {
    const dbg = await startSandbox({ debug: true });
    try {
      const res = await call(dbg, 'PUT', worker(SEEDED.activePendingNoWorker, 'start'), { token: dbg.tokens.staff });
      expect(res.body).toEqual({ action: 'Failure', error: 'Workers cannot be started on AWS ECS service in development environment' });
      expect(dbg.state.challenges.get(SEEDED.activePendingNoWorker)!.workers).toBeNull();
    } finally {
      await dbg.close();
    }
  });
});

describe('submission metrics (§2.4, §2.5)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('by pk: staff only (403), 404 unknown, all 10 statuses', async () => {
    const path = `/api/challenges/challenge/get_submission_metrics_by_pk/${SEEDED.activeBusyWorker}/`;
    const anon = await call(sb, 'GET', path);
    expect(anon.status).toBe(403);
    expect(anon.body).toEqual({ error: 'Sorry, you are not authorized to make this request' });
    expect((await call(sb, 'GET', path, { token: sb.tokens.host(SEEDED.teams.ecs) })).status).toBe(403);
    const res = await call(sb, 'GET', path, { token: sb.tokens.staff });
    const counts = res.body as Record<string, number>;
    expect(Object.keys(counts).sort()).toEqual([...SUBMISSION_STATUSES].sort());
    expect(counts).toMatchObject({ running: 1, submitted: 2, queued: 0, finished: 0 });
    const unknown = await call(sb, 'GET', '/api/challenges/challenge/get_submission_metrics_by_pk/99999/', { token: sb.tokens.staff });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Challenge 99999 does not exist' });
  });

  it('bulk: keyed by string id over all challenges, disabled included', async () => {
    const res = await call(sb, 'GET', '/api/challenges/challenge/get_submission_metrics', { token: sb.tokens.staff });
    const all = res.body as Record<string, Record<string, number>>;
    expect(Object.keys(all)).toHaveLength(SEEDED.totalChallenges);
    expect(all[String(SEEDED.disabledWithWorker)]).toMatchObject({ submitted: 1 });
    expect(Object.keys(all['1']!)).toEqual([...SUBMISSION_STATUSES]);
  });
});
