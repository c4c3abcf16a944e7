/**
 * A few fault schedules run end to end through the built bins (child processes, real sleeps, the
 * real pacer), checked by the same five invariants as the in-process properties. `npm test` builds
 * dist/ first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../integration/harness.js';
import { property as cancelStale, type CancelStaleSchedule } from './cancel-stale.property.js';
import { runSchedule, type Runner } from './harness/property.js';
import { startInfra, type Infra } from './harness/sandbox-world.js';
import { property as scaleWorkers, type ScaleWorkersSchedule } from './scale-workers.property.js';

let infra: Infra;
beforeAll(async () => {
  infra = await startInfra();
});
afterAll(() => infra.close());

/**
 * argv[0] is the command: the bin of that name gets the rest. The schedules' `--timeout 100ms` (there
 * to make `hang` faults cheap in process) is overridden by the default 10 s, a hang guard only: these
 * schedules have no hang, and their exact expectations must not depend on every request across two
 * processes being answered within 100 ms (on a busy machine one was not: 302's metrics timed out
 * twice, so 302 was not started and the test saw no manage_worker call for it).
 */
const throughBin: Runner = async (argv, env) => {
  const started = Date.now();
  const r = await runBin(argv[0]!, [...argv.slice(1), '--timeout', '10s'], env);
  return { argv, code: r.code, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
};

const knobs = { concurrency: 2, retries: 1, json: false, logLevel: 'debug' as const, dryRun: false, deadline: '30s' as const };

describe('fault schedules through the built bins', () => {
  it('scale-workers: a corrupted entry, a metrics outage and a throttled start, a foreign `next`, an echoed token', async () => {
    const schedule: ScaleWorkersSchedule = {
      knobs,
      faults: [
        { at: 'list', fault: { kind: 'transform', op: 'wrong-type', victim: 303, field: 'workers', value: 'wrong-type' }, skip: 0, times: 'always' },
        { at: 'list', fault: { kind: 'foreign-next', to: 'foreign' }, skip: 2, times: 1 },
        { at: 'metrics', id: 301, fault: { kind: 'status', status: 503, echo: true }, skip: 0, times: 1 },
        { at: 'metrics', id: 319, fault: { kind: 'transform', op: 'bad-count', status: 'queued', value: 'negative' }, skip: 0, times: 'always' },
        { at: 'manage_worker', id: 302, fault: { kind: 'throttle', retryAfter: 0 }, skip: 0, times: 1 },
      ],
      env: 'dev',
      includeEc2: false,
      workers: [],
    };
    const { rec, mutations } = await runSchedule(scaleWorkers(() => infra), schedule, throughBin);
    // The faults bit: 302's start was throttled once and retried; 303 (corrupted) and 319 (negative
    // count) were left alone; the list stopped at the foreign `next` (which saw nothing), so exit 1.
    expect(rec.result.code).toBe(1);
    expect(mutations.filter((m) => m.target === 'challenge:302').map((m) => m.processed)).toEqual([false, true]);
    expect(mutations.filter((m) => m.target === 'challenge:303' || m.target === 'challenge:319')).toEqual([]);
    expect(rec.result.stdout).toMatch(/points to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+; not followed/);
    // 301's metrics answered 503 once (its body quoting the token), were read again, and 301 started.
    expect(rec.requests.filter((q) => q.path.endsWith('/get_submission_metrics_by_pk/301/')).map((q) => q.status)).toEqual([503, 200]);
    expect(mutations.filter((m) => m.target === 'challenge:301' && m.processed)).toHaveLength(1);
  });

  it('cancel-stale: a corrupted listing, a re-check that answers another submission, a throttled cancel, latency everywhere', async () => {
    const schedule: CancelStaleSchedule = {
      knobs: { ...knobs, json: true },
      faults: [
        { at: 'submission_list', id: 323, fault: { kind: 'transform', op: 'wrong-type', victim: 90001, field: 'submitted_at', value: 'wrong-type' }, skip: 0, times: 'always' },
        { at: 'submission_by_id', id: 90002, fault: { kind: 'transform', op: 'other-id' }, skip: 0, times: 1 },
        { at: 'update_submission', id: 323, fault: { kind: 'throttle', retryAfter: 0 }, skip: 0, times: 1 },
        { at: 'any', fault: { kind: 'latency', ms: 3 }, skip: 0, times: 'always' },
      ],
      olderThan: '14d',
      includeQueued: false,
      aged: [301],
      staffHosts: true,
    };
    const { rec, mutations } = await runSchedule(cancelStale(() => infra), schedule, throughBin);
    const cancelled = (challenge: number) => mutations.filter((m) => m.processed && m.challenge === challenge).map((m) => m.target).sort();
    // Not 90001 (its listing is corrupted) nor 90002 (re-read as another submission); the rest of
    // 323's stale ones and 301's three aged ones, each once although one PUT was throttled and retried.
    expect(cancelled(323)).toEqual(['submission:90003', 'submission:90005', 'submission:90012']);
    expect(cancelled(301)).toHaveLength(3);
    expect(mutations.filter((m) => !m.processed)).toHaveLength(1);
    expect(rec.result.code).toBe(1);
  });
});
