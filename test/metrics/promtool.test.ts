import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../src/metrics/registry.js';
import { reportParts } from '../../src/metrics/publish.js';
import { aReport, cancelStaleOutcomes, scaleEc2Outcomes, scaleEksOutcomes, scaleWorkersOutcomes } from './report-fixture.js';
import { run, sayMissing, which } from './tools.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const promtool = which('promtool');
if (!promtool) sayMissing('promtool');

describe.skipIf(!promtool)('promtool', () => {
  const cases = {
    'scale-workers': scaleWorkersOutcomes,
    'scale-ec2': scaleEc2Outcomes,
    'scale-eks': scaleEksOutcomes,
    'cancel-stale': cancelStaleOutcomes,
  };
  for (const [command, outcomes] of Object.entries(cases)) {
    it(`finds no problem in the metrics of a ${command} run (promtool check metrics)`, async () => {
      const report = aReport(outcomes, { command, exitCode: 1, errors: ['one'], logLinesDropped: { lines: 2, error: 'EPIPE' } });
      const text = await buildRegistry({ command, target: 'eval.ai-1a2b3c4d' }, reportParts(report, { lastSuccessAt: '2026-11-22T11:55:00.000Z', refusedActions: 2 })).metrics();
      const r = run(promtool!, ['check', 'metrics'], text);
      expect(r.out).toBe('');
      expect(r.code).toBe(0);
    });
  }

  it('lints what it is given (a counter without _total fails)', () => {
    const r = run(promtool!, ['check', 'metrics'], '# HELP x_seconds_count A count.\n# TYPE x_seconds_count counter\nx_seconds_count 1\n');
    expect(r.code).not.toBe(0);
  });

  it('accepts the alert rules (promtool check rules) and their unit tests pass (promtool test rules)', () => {
    const check = run(promtool!, ['check', 'rules', join(ROOT, 'examples/prometheus/alerts.yml')]);
    expect(check.out).toMatch(/SUCCESS: 7 rules found/);
    expect(check.code).toBe(0);
    const test = run(promtool!, ['test', 'rules', join(ROOT, 'test/metrics/fixtures/alerts.test.yml')]);
    expect(test.out).toMatch(/SUCCESS/);
    expect(test.code).toBe(0);
  });

  it('shows in docs/operations.md the alert rules of examples/prometheus/alerts.yml, verbatim', () => {
    const rules = readFileSync(join(ROOT, 'examples/prometheus/alerts.yml'), 'utf8');
    const docs = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const block = /```yaml\n(# Alert rules for evalai-autoscaler[\s\S]*?)```/.exec(docs)?.[1];
    expect(block).toBe(rules);
    // and the docs' copy is itself valid
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'alerts.yml'), block!);
    expect(run(promtool!, ['check', 'rules', join(dir, 'alerts.yml')]).code).toBe(0);
  });
});
