import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishMetrics } from '../../src/metrics/publish.js';
import { aReport, scaleWorkersOutcomes } from './report-fixture.js';
import { sayMissing, startGateway, which, type Gateway } from './tools.js';

const binary = which('prometheus-pushgateway');
if (!binary) sayMissing('prometheus-pushgateway');

describe.skipIf(!binary)('a real Pushgateway', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway(binary!);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => warnings.push(l) });
  const target = 'scale-workers@eval.ai-1a2b3c4d';
  const series = async () => (await (await fetch(`${gateway.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('evalai_autoscaler_'));
  const group = 'command="scale-workers",instance="",job="evalai_autoscaler",target="eval.ai-1a2b3c4d"';

  it('holds what a run pushed, grouped by job, command and target', async () => {
    await publishMetrics(aReport(scaleWorkersOutcomes, { exitCode: 1 }), { target, logger, pushgateway: gateway.url, lastSuccessAt: '2026-11-22T11:55:00.000Z', refusedActions: 0, ignoredInDryRun: [] });
    expect(warnings).toEqual([]);
    const got = await series();
    expect(got).toContain(`evalai_autoscaler_last_run_exit_code{${group}} 1`);
    const success = got.find((l) => l.startsWith(`evalai_autoscaler_last_success_timestamp_seconds{${group}} `));
    expect(Number(success?.split(' ')[1])).toBe(Date.parse('2026-11-22T11:55:00.000Z') / 1000); // Go prints it as 1.7958465e+09
    expect(got).toContain(`evalai_autoscaler_last_run_actions{action="start",${group}} 1`);
    expect(got.filter((l) => l.startsWith('evalai_autoscaler_challenge_pending_submissions{challenge="1",'))).toHaveLength(1);
  });

  it('replaces the whole group on the next push: series the run no longer has disappear', async () => {
    const idle = aReport([{ challengeId: 2, action: 'none', reason: 'idle', status: 'unchanged', facts: { pending: 0, workers: 1 } }]);
    await publishMetrics(idle, { target, logger, pushgateway: gateway.url, lastSuccessAt: idle.finishedAt, refusedActions: 0, ignoredInDryRun: [] });
    expect(warnings).toEqual([]);
    const got = await series();
    expect(got).toContain(`evalai_autoscaler_last_run_exit_code{${group}} 0`);
    expect(got.some((l) => l.includes('challenge="1"'))).toBe(false);
    expect(got.some((l) => l.includes('action="start"'))).toBe(false);
    expect(got).toContain(`evalai_autoscaler_challenge_workers{challenge="2",${group}} 1`);
  });

  it('keeps the groups of other commands apart', async () => {
    const ec2 = aReport([], { command: 'scale-ec2', exitCode: 3 });
    await publishMetrics(ec2, { target: 'scale-ec2@eval.ai-1a2b3c4d', logger, pushgateway: gateway.url, lastSuccessAt: null, refusedActions: 0, ignoredInDryRun: [] });
    const got = await series();
    expect(got).toContain('evalai_autoscaler_last_run_exit_code{command="scale-ec2",instance="",job="evalai_autoscaler",target="eval.ai-1a2b3c4d"} 3');
    expect(got).toContain(`evalai_autoscaler_last_run_exit_code{${group}} 0`);
  });
});
