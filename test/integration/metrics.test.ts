import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin } from './harness.js';

let sandbox: Sandbox;
let dir: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'metrics-bin-'));
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined> = {}) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', ...extra });
const line = (text: string, name: string) => new RegExp(`^${name}\\{[^}]*command="scale-workers"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1];

describe('--metrics-file (the built bin)', () => {
  it('liveness apart from persistent failure: the last run\'s time, and the failing items with since when (gone after a run that exits 0)', async () => {
    const stateEnv = { EVALAI_AUTOSCALER_STATE_DIR: mkdtempSync(join(tmpdir(), 'metrics-state-')) };
    const of = (text: string, name: string) => new RegExp(`^${name}\\{[^}]*command="scale-ec2"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1];
    const path = join(dir, 'ec2.prom');
    const first = await runBin('scale-ec2', ['--metrics-file', path], env(stateEnv));
    expect(first.code).toBe(1); // the sandbox's EC2 challenge without an instance id fails every run
    const since = Number(of(readFileSync(path, 'utf8'), 'evalai_autoscaler_failing_since_timestamp_seconds'));
    expect(since).toBeGreaterThan(0);
    await runBin('scale-ec2', ['--metrics-file', path], env(stateEnv));
    const text = readFileSync(path, 'utf8');
    expect(of(text, 'evalai_autoscaler_failing_items')).toBe('1');
    expect(Number(of(text, 'evalai_autoscaler_failing_since_timestamp_seconds'))).toBe(since); // the streak's start, not this run's
    expect(Number(of(text, 'evalai_autoscaler_last_run_timestamp_seconds'))).toBeGreaterThan(since);
    expect(of(text, 'evalai_autoscaler_last_success_timestamp_seconds')).toBeUndefined();

    sandbox.state.challenges.delete(SEEDED.ec2NoInstance);
    const fixed = await runBin('scale-ec2', ['--metrics-file', path], env(stateEnv));
    expect(fixed.code).toBe(0);
    const after = readFileSync(path, 'utf8');
    expect(of(after, 'evalai_autoscaler_failing_items')).toBe('0');
    expect(of(after, 'evalai_autoscaler_failing_since_timestamp_seconds')).toBeUndefined();
  });

  it('writes the run as Prometheus text after it, with the file named after the command and target', async () => {
    const r = await runBin('scale-workers', [], env({ METRICS_FILE: join(dir, 'evalai-{command}-{target}.prom') }));
    expect(r.code).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^evalai-scale-workers-localhost-[0-9a-f]{8}\.prom$/);
    const text = readFileSync(join(dir, files[0]!), 'utf8');
    expect(line(text, 'evalai_autoscaler_last_run_exit_code')).toBe('0');
    expect(Number(line(text, 'evalai_autoscaler_last_success_timestamp_seconds'))).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`^evalai_autoscaler_challenge_pending_submissions\\{challenge="${SEEDED.activePendingNoWorker}",.*\\} 3$`, 'm'));
    expect(text).not.toContain(sandbox.tokens.staff);
  });

  it('that cannot be written is one warning: the run still acts and exits 0', async () => {
    const r = await runBin('scale-workers', ['--metrics-file', join(dir, 'no-such-dir', 'm.prom')], env());
    expect(r.code).toBe(0);
    expect(r.logs.filter((l) => l.msg === 'could not write the metrics file')).toHaveLength(1);
    expect(sandbox.state.challenges.get(SEEDED.activePendingNoWorker)?.workers).toBe(1);
  });

  it('is not written by a dry run from the environment, only when the dry run is given the flag', async () => {
    const path = join(dir, 'm.prom');
    const fromEnv = await runBin('scale-workers', ['--dry-run'], env({ METRICS_FILE: path }));
    expect(fromEnv.code).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(fromEnv.logs.some((l) => String(l.msg).startsWith('dry run: metrics not published to METRICS_FILE'))).toBe(true);

    const fromFlag = await runBin('scale-workers', ['--dry-run', '--metrics-file', path], env());
    expect(fromFlag.code).toBe(0);
    const text = readFileSync(path, 'utf8');
    expect(line(text, 'evalai_autoscaler_last_run_dry_run')).toBe('1');
    expect(text).toMatch(/^evalai_autoscaler_last_run_actions\{action="start",.*\} [1-9]/m);
  });
});
