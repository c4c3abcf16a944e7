import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../src/metrics/registry.js';
import { reportParts, runLabels } from '../../src/metrics/publish.js';
import { aReport, cancelStaleOutcomes, scaleEc2Outcomes, scaleEksOutcomes, scaleWorkersOutcomes } from './report-fixture.js';
import type { RunReport } from '../../src/core/report.js';

const labels = { command: 'scale-workers', target: 'eval.ai-1a2b3c4d' };

/** The exposition text as a map "name{labels}" -> value, labels without command and target. */
async function samples(report: RunReport, facts = { lastSuccessAt: null as string | null, refusedActions: 0 }): Promise<Map<string, number>> {
  const text = await buildRegistry({ ...labels, command: report.command }, reportParts(report, facts)).metrics();
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const own = (m[2] ?? '')
      .split(/,(?=\w+=")/)
      .filter((l) => l && !l.startsWith('command=') && !l.startsWith('target='))
      .join(',');
    map.set(own ? `${m[1]}{${own}}` : m[1]!, Number(m[3]));
  }
  return map;
}

describe('the run metrics', () => {
  it('say when the run finished, how long it took, how it ended and what it did', async () => {
    const s = await samples(aReport(scaleWorkersOutcomes, { exitCode: 1 }), { lastSuccessAt: '2026-11-22T11:55:00.000Z', refusedActions: 0 });
    expect(s.get('evalai_autoscaler_last_run_timestamp_seconds')).toBe(Date.parse('2026-11-22T12:00:02.500Z') / 1000);
    expect(s.get('evalai_autoscaler_last_run_duration_seconds')).toBe(2.5);
    expect(s.get('evalai_autoscaler_last_run_exit_code')).toBe(1);
    expect(s.get('evalai_autoscaler_last_success_timestamp_seconds')).toBe(Date.parse('2026-11-22T11:55:00.000Z') / 1000);
    expect(s.get('evalai_autoscaler_last_run_actions{action="start"}')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_actions{action="stop"}')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_challenge_outcomes{status="failed"}')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_challenge_outcomes{status="unchanged"}')).toBe(3);
    expect(s.get('evalai_autoscaler_last_run_challenges')).toBe(7);
    expect(s.get('evalai_autoscaler_last_run_dry_run')).toBe(0);
    expect(s.get('evalai_autoscaler_last_run_log_lines_dropped')).toBe(0);
  });

  it('carry the command and target labels on every series', async () => {
    const text = await buildRegistry(labels, reportParts(aReport(scaleWorkersOutcomes), { lastSuccessAt: null, refusedActions: 0 })).metrics();
    const series = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(series.length).toBeGreaterThan(10);
    for (const line of series) expect(line).toMatch(/\{.*command="scale-workers",target="eval\.ai-1a2b3c4d".*\}/);
  });

  it('leave the last success time out when none is known, and out of a dry run', async () => {
    expect((await samples(aReport(scaleWorkersOutcomes))).has('evalai_autoscaler_last_success_timestamp_seconds')).toBe(false);
    const dry = await samples(aReport(scaleWorkersOutcomes, { dryRun: true }), { lastSuccessAt: '2026-11-22T11:55:00.000Z', refusedActions: 0 });
    expect(dry.has('evalai_autoscaler_last_success_timestamp_seconds')).toBe(false);
    expect(dry.get('evalai_autoscaler_last_run_dry_run')).toBe(1);
  });

  it('count refused actions, run errors and dropped log lines', async () => {
    const report = aReport(scaleWorkersOutcomes, { exitCode: 6, errors: ['--max-actions 1 reached'], logLinesDropped: { lines: 7, error: 'EPIPE' } });
    const s = await samples(report, { lastSuccessAt: null, refusedActions: 3 });
    expect(s.get('evalai_autoscaler_last_run_refused_actions')).toBe(3);
    expect(s.get('evalai_autoscaler_last_run_errors')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_log_lines_dropped')).toBe(7);
  });

  it('follow the naming conventions: a prefix, no _total on these gauges, base units', async () => {
    const report = aReport([...scaleWorkersOutcomes, ...scaleEc2Outcomes, ...scaleEksOutcomes, ...cancelStaleOutcomes]);
    const json = await buildRegistry(labels, reportParts(report, { lastSuccessAt: '2026-11-22T11:55:00.000Z', refusedActions: 0 })).getMetricsAsJSON();
    for (const m of json) {
      expect(m.name).toMatch(/^evalai_autoscaler_[a-z_]+$/);
      expect(m.type).toBe('gauge');
      expect(m.name).not.toMatch(/_total$|_ms$|_minutes$/);
    }
  });
});

describe('the challenge metrics', () => {
  it('give pending and workers of the challenges something is going on with, by id, never by title', async () => {
    const text = await buildRegistry(labels, reportParts(aReport(scaleWorkersOutcomes), { lastSuccessAt: null, refusedActions: 0 })).metrics();
    expect(text).not.toContain('with a title');
    const s = await samples(aReport(scaleWorkersOutcomes));
    expect(s.get('evalai_autoscaler_challenge_pending_submissions{challenge="1"}')).toBe(3);
    expect(s.get('evalai_autoscaler_challenge_workers{challenge="1"}')).toBe(0); // null: no worker
    expect(s.get('evalai_autoscaler_challenge_workers{challenge="2"}')).toBe(1);
    expect(s.get('evalai_autoscaler_challenge_pending_submissions{challenge="4"}')).toBe(2);
    expect(s.get('evalai_autoscaler_challenge_failed{challenge="6"}')).toBe(1);
    expect(s.get('evalai_autoscaler_challenge_failed{challenge="1"}')).toBe(0);
    // ended and idle, idle, and out of scope: no series at all
    for (const id of [3, 5, 7]) expect([...s.keys()].filter((k) => k.includes(`challenge="${id}"`))).toEqual([]);
  });

  it('give the EC2 instance state as an enum gauge, as observed before the action', async () => {
    const s = await samples(aReport(scaleEc2Outcomes, { command: 'scale-ec2' }));
    expect(s.get('evalai_autoscaler_challenge_instance_state{challenge="11",state="stopped"}')).toBe(1);
    expect(s.get('evalai_autoscaler_challenge_instance_state{challenge="11",state="running"}')).toBe(0);
    expect(s.get('evalai_autoscaler_challenge_instance_state{challenge="13",state="running"}')).toBe(1);
    expect([...s.keys()].filter((k) => k.includes('challenge="11"') && k.includes('instance_state'))).toHaveLength(6);
    expect([...s.keys()].some((k) => k.includes('challenge="12"'))).toBe(false); // stopped, nothing pending
    expect(s.has('evalai_autoscaler_challenge_workers{challenge="11"}')).toBe(false);
  });

  it("give the EKS nodegroup's desired size", async () => {
    const s = await samples(aReport(scaleEksOutcomes, { command: 'scale-eks' }));
    expect(s.get('evalai_autoscaler_challenge_desired_nodes{challenge="21"}')).toBe(0);
    expect(s.get('evalai_autoscaler_challenge_pending_submissions{challenge="21"}')).toBe(4);
    expect(s.get('evalai_autoscaler_last_run_actions{action="scale-up"}')).toBe(1);
  });

  it('sum the pending counts by status (cancel-stale) and count a failed submission as the challenge failing', async () => {
    const s = await samples(aReport(cancelStaleOutcomes, { command: 'cancel-stale' }));
    expect(s.get('evalai_autoscaler_challenge_pending_submissions{challenge="31"}')).toBe(3);
    expect(s.get('evalai_autoscaler_challenge_failed{challenge="31"}')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_submission_outcomes{status="done"}')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_submission_outcomes{status="failed"}')).toBe(1);
    expect(s.get('evalai_autoscaler_last_run_actions{action="cancel"}')).toBe(1);
  });
});

describe('runLabels', () => {
  it('is the command and the run target key without the command', () => {
    expect(runLabels('scale-ec2', 'scale-ec2@eval.ai-1a2b3c4d')).toEqual({ command: 'scale-ec2', target: 'eval.ai-1a2b3c4d' });
  });
});
