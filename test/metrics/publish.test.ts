import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadMetricsConfig } from '../../src/metrics/config.js';
import { publishMetrics } from '../../src/metrics/publish.js';
import { writeFileAtomically } from '../../src/runtime/atomic-file.js';
import { aReport, scaleWorkersOutcomes } from './report-fixture.js';

/** A pino logger whose lines land in an array. */
function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

const run = { target: 'scale-workers@eval.ai-1a2b3c4d', lastSuccessAt: null, refusedActions: 0, ignoredInDryRun: [] };

describe('the metrics file', () => {
  it('is written whole, for the run, with nothing else left in the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const { logger, lines } = capture();
    await publishMetrics(aReport(scaleWorkersOutcomes), { ...run, logger, file: join(dir, 'evalai-{command}-{target}.prom') });
    expect(readdirSync(dir)).toEqual(['evalai-scale-workers-eval.ai-1a2b3c4d.prom']);
    const text = readFileSync(join(dir, 'evalai-scale-workers-eval.ai-1a2b3c4d.prom'), 'utf8');
    expect(text).toMatch(/^evalai_autoscaler_last_run_exit_code\{command="scale-workers",target="eval.ai-1a2b3c4d"\} 0$/m);
    expect(lines).toEqual([]);
  });

  it('replaces the previous file in one step', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const path = join(dir, 'm.prom');
    writeFileSync(path, 'old\n');
    writeFileAtomically(path, 'new\n');
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['m.prom']);
  });

  it('that cannot be written costs one warn line, no exception, and no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const { logger, lines } = capture();
    // A directory where the file should be: the rename fails after the temporary file was written.
    const path = join(dir, 'taken.prom');
    writeFileSync(join(dir, 'keep'), '');
    mkdirSync(path);
    await publishMetrics(aReport(scaleWorkersOutcomes), { ...run, logger, file: path });
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'could not write the metrics file', path });
    expect(readdirSync(dir).sort()).toEqual(['keep', 'taken.prom']);

    await publishMetrics(aReport(scaleWorkersOutcomes), { ...run, logger, file: join(dir, 'missing', 'm.prom') });
    expect(lines.filter((l) => l.level === 40)).toHaveLength(2);
  });
});

describe('the Pushgateway push', () => {
  it('that fails costs one warn line without the URL password', async () => {
    // A port nothing listens on: take one, then close it.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const { logger, lines } = capture();
    await publishMetrics(aReport(scaleWorkersOutcomes), { ...run, logger, pushgateway: `http://pusher:s3cr3t-pw@127.0.0.1:${port}` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: 'could not push the metrics to the Pushgateway', pushgateway: `http://127.0.0.1:${port}/` });
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-pw');
  });
});

describe('the metrics configuration', () => {
  it('takes the flags over the environment', () => {
    const c = loadMetricsConfig({ metricsFile: '/a.prom' }, { METRICS_FILE: '/b.prom', PUSHGATEWAY_URL: 'http://127.0.0.1:9091/' }, false);
    expect(c).toEqual({ file: '/a.prom', pushgateway: 'http://127.0.0.1:9091', ignoredInDryRun: [] });
  });

  it('does not publish a dry run to the destinations of the environment, only to its flags', () => {
    expect(loadMetricsConfig({}, { METRICS_FILE: '/b.prom', PUSHGATEWAY_URL: 'http://127.0.0.1:9091' }, true)).toEqual({ ignoredInDryRun: ['METRICS_FILE', 'PUSHGATEWAY_URL'] });
    expect(loadMetricsConfig({ metricsFile: '/a.prom' }, { METRICS_FILE: '/b.prom' }, true)).toEqual({ file: '/a.prom', ignoredInDryRun: [] });
  });

  it('refuses a Pushgateway URL that is not http(s), naming the setting and not the password', () => {
    const error = (flags: { pushgateway?: string }, env: Record<string, string>) => {
      try {
        loadMetricsConfig(flags, env, false);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(error({ pushgateway: 'ftp://u:hunter2@gw' }, {})).toBe('PUSHGATEWAY_URL (or --pushgateway) must be http or https, not ftp:');
    expect(error({}, { PUSHGATEWAY_URL: 'hunter2' })).toBe('PUSHGATEWAY_URL (or --pushgateway) is not a URL (expected e.g. http://127.0.0.1:9091)');
    expect(error({}, { PUSHGATEWAY_URL: 'http://gw:9091/?x=1' })).toMatch(/query or fragment/);
  });

  it('publishes nowhere when nothing is set', async () => {
    expect(loadMetricsConfig({}, {}, false)).toEqual({ ignoredInDryRun: [] });
    const { logger, lines } = capture();
    await publishMetrics(aReport(scaleWorkersOutcomes), { ...run, logger });
    expect(lines).toEqual([]);
  });
});
