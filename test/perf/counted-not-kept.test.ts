import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutcomeTally } from '../../src/core/outcome-tally.js';
import { countOutcomes } from '../../src/core/report.js';
import type { Outcome } from '../../src/core/outcome.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runInProcess } from '../integration/in-process.js';

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
