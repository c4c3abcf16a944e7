import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_STOP_IDLE_POLICY, type StopIdlePolicy } from '../../src/commands/stop-idle/policy.js';
import { runStopIdle } from '../../src/commands/stop-idle/run.js';
import { systemClock, type RunContext } from '../../src/runtime/context.js';
import { ActionGuard } from '../../src/runtime/action-guard.js';
import { Deadline } from '../../src/runtime/deadline.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { silentLogger, testTransport } from '../evalai/fixtures.js';

const DAY = 86_400_000;
let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

function run(opts: { dryRun?: boolean; maxActions?: number; only?: number[]; policy?: Partial<StopIdlePolicy> } = {}) {
  const dryRun = opts.dryRun ?? false;
  const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { allowWrites: !dryRun });
  const ctx: RunContext = { transport, logger: silentLogger, secrets: new Secrets(), now: systemClock, dryRun, concurrency: 4, maxPages: 10, only: opts.only ? new Set(opts.only) : undefined, deadline: Deadline.never(), guard: new ActionGuard(opts.maxActions ?? 1000) };
  return runStopIdle(ctx, { ...DEFAULT_STOP_IDLE_POLICY, ...opts.policy });
}

const workerPuts = () => sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.path);
const put = (pk: number, action: string) => `/api/challenges/${pk}/manage_worker/${action}/`;

/** The challenges whose worker should go, from the sandbox's own state (rule of docs/stop-idle.md). */
function expectedDeletes(): number[] {
  const now = Date.now();
  const pending = new Map<number, number>();
  for (const s of sandbox.state.submissions.values()) {
    const c = sandbox.state.phases.get(s.challenge_phase)?.challenge;
    if (c !== undefined && ['submitted', 'running', 'queued', 'resuming'].includes(s.status)) pending.set(c, (pending.get(c) ?? 0) + 1);
  }
  return [...sandbox.state.challenges.values()]
    .filter((c) => !c.is_disabled && c.workers !== null && !pending.get(c.id))
    .filter((c) => (c.end_date && now - c.end_date.getTime() > DAY) || (!c.approved_by_admin && (!c.end_date || c.end_date.getTime() > now) && c.created_at && now - c.created_at.getTime() > 2 * DAY))
    .map((c) => c.id)
    .sort();
}

describe('stop-idle against the sandbox', () => {
  it('deletes the workers of ended (past the grace) and long-unapproved challenges with nothing pending, and nothing else', async () => {
    const expected = expectedDeletes();
    expect(expected).toContain(SEEDED.endedIdleWorker);
    expect(expected).toContain(SEEDED.unapprovedOldWorker);
    const r = await run();
    expect(workerPuts().sort()).toEqual(expected.map((pk) => put(pk, 'delete')).sort());
    expect(sandbox.state.challenges.get(SEEDED.endedIdleWorker)?.workers).toBeNull();
    expect(r.outcomes.find((o) => o.challengeId === SEEDED.endedIdleWorker)).toMatchObject({ action: 'delete', status: 'done', reason: 'ended 3 d ago (grace 1 d), nothing pending' });
    expect(r.outcomes.filter((o) => o.status === 'failed')).toEqual([]);
  });

  it('never deletes while submissions are pending (draining)', async () => {
    const r = await run();
    expect(workerPuts().filter((p) => p.includes(`/${SEEDED.endedDrainingWorker}/`))).toEqual([]);
    expect(sandbox.state.challenges.get(SEEDED.endedDrainingWorker)?.workers).toBe(1);
    expect(r.outcomes.find((o) => o.challengeId === SEEDED.endedDrainingWorker)).toMatchObject({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/^draining: ended 2 d ago .*2 submissions pending/) });
  });

  it('never deletes when the pending count is unknown: the worker is kept and the challenge fails', async () => {
    sandbox.fault({ path: `/api/challenges/challenge/get_submission_metrics_by_pk/${SEEDED.endedIdleWorker}/`, fault: { kind: 'html', status: 500 } });
    sandbox.fault({ path: `/api/challenges/challenge/get_submission_metrics_by_pk/${SEEDED.unapprovedOldWorker}/`, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), running: 'many' }) } });
    const r = await run();
    expect(workerPuts()).not.toContain(put(SEEDED.endedIdleWorker, 'delete'));
    expect(workerPuts()).not.toContain(put(SEEDED.unapprovedOldWorker, 'delete'));
    expect(r.outcomes.find((o) => o.challengeId === SEEDED.endedIdleWorker)).toMatchObject({ action: 'none', status: 'failed', reason: expect.stringMatching(/pending submissions are unknown; worker kept/), error: expect.stringMatching(/HTTP 500/) });
    expect(r.outcomes.find((o) => o.challengeId === SEEDED.unapprovedOldWorker)).toMatchObject({ status: 'failed', error: expect.stringMatching(/"running" is "many"/) });
  });

  it('a submission arriving at an ended challenge keeps its worker', async () => {
    const phase = [...sandbox.state.phases.values()].find((p) => p.challenge === SEEDED.endedIdleWorker)!;
    const template = [...sandbox.state.submissions.values()][0]!;
    sandbox.state.submissions.set(999_001, { ...structuredClone(template), id: 999_001, challenge_phase: phase.id, status: 'queued' });
    await run({ only: [SEEDED.endedIdleWorker] });
    expect(workerPuts()).toEqual([]);
  });

  it('--action stop: unapproved challenges that have not ended get stop; ended ones still get delete (stop is refused after end_date)', async () => {
    await run({ policy: { unapprovedAction: 'stop' }, only: [SEEDED.unapprovedOldWorker, SEEDED.endedIdleWorker] });
    expect(workerPuts().sort()).toEqual([put(SEEDED.endedIdleWorker, 'delete'), put(SEEDED.unapprovedOldWorker, 'stop')].sort());
    expect(sandbox.state.challenges.get(SEEDED.unapprovedOldWorker)?.workers).toBe(0);
    expect(sandbox.requests.filter((r) => r.method === 'PUT').every((r) => r.status === 200)).toBe(true);
  });

  it('success only on {"action":"Success"}: a Failure answered with HTTP 200 is a failure', async () => {
    sandbox.state.challenges.get(SEEDED.endedIdleWorker)!.workerFailure = { Code: 'ServiceNotActiveException', Message: 'Service was not ACTIVE.' };
    const r = await run({ only: [SEEDED.endedIdleWorker, SEEDED.unapprovedOldWorker] });
    expect(r.outcomes.find((o) => o.challengeId === SEEDED.endedIdleWorker)).toMatchObject({ status: 'failed', error: 'EvalAI answered Failure: ServiceNotActiveException: Service was not ACTIVE.' });
    expect(r.outcomes.find((o) => o.challengeId === SEEDED.unapprovedOldWorker)).toMatchObject({ status: 'done' });
  });

  it('--dry-run plans and sends nothing', async () => {
    sandbox.state.challenges.get(SEEDED.eksEndedLongAgo)!.workers = 1;
    const r = await run({ dryRun: true });
    expect(workerPuts()).toEqual([]);
    expect(r.outcomes.filter((o) => o.status === 'planned').map((o) => o.challengeId).sort()).toEqual(expectedDeletes());
    expect(r.outcomes.find((o) => o.challengeId === SEEDED.eksEndedLongAgo)).toMatchObject({ action: 'delete', status: 'planned' });
  });

  it('docker-based challenges: the ECS worker of an ended one is deleted once nothing is pending, with the same guard and grace', async () => {
    const eks = (id: number) => sandbox.state.challenges.get(id)!;
    eks(SEEDED.eksEndedLongAgo).workers = 1; // ended 60 days ago, nothing pending
    eks(SEEDED.eksWithNodegroup).workers = 1; // 4 pending
    eks(SEEDED.eksWithNodegroup).end_date = new Date(Date.now() - 3 * DAY);
    eks(SEEDED.eksNodegroupUnknown).workers = 1; // idle, ended 5 hours ago: within the grace
    eks(SEEDED.eksNodegroupUnknown).end_date = new Date(Date.now() - 5 * 3_600_000);
    const ids = [SEEDED.eksEndedLongAgo, SEEDED.eksWithNodegroup, SEEDED.eksNodegroupUnknown];
    const r = await run({ only: ids });
    expect(workerPuts()).toEqual([put(SEEDED.eksEndedLongAgo, 'delete')]);
    expect(eks(SEEDED.eksEndedLongAgo).workers).toBeNull();
    expect(eks(SEEDED.eksWithNodegroup).workers).toBe(1);
    const outcome = (id: number) => r.outcomes.find((o) => o.challengeId === id);
    expect(outcome(SEEDED.eksEndedLongAgo)).toMatchObject({ action: 'delete', status: 'done', reason: 'ended 60 d ago (grace 1 d), nothing pending' });
    expect(outcome(SEEDED.eksWithNodegroup)).toMatchObject({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/^draining: ended 3 d ago .*4 submissions pending/) });
    expect(outcome(SEEDED.eksNodegroupUnknown)).toMatchObject({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/within the 1 d grace period/) });
  });
});
