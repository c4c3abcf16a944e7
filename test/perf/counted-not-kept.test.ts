import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutcomeTally } from '../../src/core/outcome-tally.js';
import { countOutcomes } from '../../src/core/report.js';
import type { Outcome } from '../../src/core/outcome.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runInProcess } from '../integration/in-process.js';
import { cancelStalePolicy } from '../../src/commands/cancel-stale/policy.js';
import { runCancelStale } from '../../src/commands/cancel-stale/run.js';
import { systemClock, type RunContext } from '../../src/runtime/context.js';
import { ActionGuard } from '../../src/runtime/action-guard.js';
import { Deadline } from '../../src/runtime/deadline.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { silentLogger, testTransport } from '../evalai/fixtures.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

const env = () => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', EVALAI_AUTOSCALER_STATE_DIR: mkdtempSync(join(tmpdir(), 'tally-')) });

describe('unchanged challenges are counted without being kept', () => {
  it.each(['scale-workers', 'stop-idle', 'scale-ec2', 'cancel-stale'])('%s: the summary line counts the same with and without --json', async (command) => {
    const json = await runInProcess([command, '--dry-run', '--json'], env());
    const report = JSON.parse(json.stdout) as { counts: Record<'challenges' | 'unchanged' | 'skipped' | 'failed', number>; outcomes: Outcome[] };
    expect(report.counts.unchanged + report.counts.skipped).toBeGreaterThan(0); // something to tally
    const human = await runInProcess([command, '--dry-run'], env());
    expect(human.code).toBe(json.code);
    const summary = human.stdout.trim().split('\n').at(-1)!;
    expect(summary).toContain(`${report.counts.challenges} challenges`);
    expect(summary).toContain(`${report.counts.unchanged} unchanged`);
    expect(summary).toContain(`${report.counts.skipped} skipped`);
    expect(summary).toContain(`${report.counts.failed} failed`);
  });

  it('--verbose still prints a line for every challenge', async () => {
    const json = JSON.parse((await runInProcess(['scale-workers', '--dry-run', '--json'], env())).stdout) as { outcomes: Outcome[] };
    const verbose = await runInProcess(['scale-workers', '--dry-run', '--verbose'], env());
    for (const o of json.outcomes) expect(verbose.stdout).toContain(`challenge ${o.challengeId}`);
  });

  it('cancel-stale keeps the outcomes it prints (the stale submissions, the failures), not one per unchanged challenge', async () => {
    const at = systemClock(); // one clock for both runs: the ages in the reasons are the same
    const runWith = async (tally?: OutcomeTally) => {
      const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { allowWrites: false });
      const ctx: RunContext = { transport, logger: silentLogger, secrets: new Secrets(), now: () => at, dryRun: true, concurrency: 4, maxPages: 10, only: undefined, deadline: Deadline.never(), guard: new ActionGuard(1000), ...(tally ? { keepOutcome: tally.keep } : {}) };
      return runCancelStale(ctx, cancelStalePolicy({}), { auditLogPath: join(mkdtempSync(join(tmpdir(), 'tally-')), 'audit.jsonl') });
    };
    const all = await runWith();
    const tally = new OutcomeTally();
    const kept = await runWith(tally);
    const printed = all.outcomes.filter((o) => o.submissionId !== undefined || o.status !== 'unchanged');
    expect(printed.length).toBeGreaterThan(0);
    expect(all.outcomes.length).toBeGreaterThan(300); // one per challenge of the default seed
    expect(kept.outcomes).toEqual(printed);
    expect(countOutcomes(kept.outcomes, tally)).toEqual(countOutcomes(all.outcomes));
  });

  it('the tally keeps what a report prints without --verbose, and counts the rest exactly', () => {
    const o = (challengeId: number, status: Outcome['status'], extra: Partial<Outcome> = {}): Outcome => ({ challengeId, action: 'none', reason: 'r', status, ...extra });
    const outcomes = [
      o(1, 'unchanged'),
      o(2, 'skipped'),
      o(3, 'planned', { action: 'start' }),
      o(4, 'failed'),
      o(5, 'unchanged', { facts: { deferred: 'stop' } }),
      o(6, 'unchanged', { submissionId: 60 }),
      o(7, 'unchanged'),
    ];
    const tally = new OutcomeTally();
    const kept = outcomes.filter((x) => tally.keep(x));
    expect(kept.map((x) => x.challengeId)).toEqual([3, 4, 5, 6]);
    expect(countOutcomes(kept, tally)).toEqual(countOutcomes(outcomes));
  });
});
