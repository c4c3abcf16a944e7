import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin } from './harness.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined>) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ...extra });
const started = (logs: Array<Record<string, unknown>>) => logs.find((l) => l.msg === 'run started');

describe('ENV and --env: the mode a run serves', () => {
  it('ENV=staging skips remote-evaluation challenges, and "run started" says staging', async () => {
    const r = await runBin('scale-workers', ['--dry-run', '-v', '--challenge', String(SEEDED.remoteEvaluationPending)], env({ ENV: 'staging' }));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`challenge ${SEEDED.remoteEvaluationPending} ".*": skipped - remote evaluation.*ENV=staging`));
    expect(started(r.logs)?.mode).toBe('staging');
    expect(r.logs.filter((l) => l.level === 40)).toEqual([]);
  });

  it('ENV=production is prod', async () => {
    const r = await runBin('scale-workers', ['--dry-run', '--challenge', String(SEEDED.remoteEvaluationPending)], env({ ENV: 'Production' }));
    expect(r.code).toBe(0);
    expect(started(r.logs)?.mode).toBe('prod');
  });

  it('an unknown ENV is refused like --env: exit 2, one line naming ENV, the value and the known names, nothing sent', async () => {
    for (const bin of ['scale-workers', 'cancel-stale', 'scale-ec2']) {
      const r = await runBin(bin, ['--dry-run', '--challenge', String(SEEDED.remoteEvaluationPending)], env({ ENV: 'stagin' }));
      expect(r.code, bin).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([`${bin}: configuration error: ENV "stagin" is not one of dev, staging, prod, production (an unknown ENV is refused, it does not run as dev)`]);
      expect(r.stdout).toBe('');
    }
    expect(sandbox.requests).toEqual([]);
  });

  it('an empty ENV (what upstream\'s wrappers export when no env argument is given) is dev, without a warning', async () => {
    const r = await runBin('scale-workers', ['--dry-run', '--challenge', '1'], env({ ENV: '' }));
    expect(started(r.logs)?.mode).toBe('dev');
    expect(r.logs.filter((l) => l.level === 40)).toEqual([]);
  });

  it('--env refuses an unknown name: exit 2, one line naming the command and the flag, nothing sent', async () => {
    const r = await runBin('scale-workers', ['--env', 'staginf'], env({ ENV: 'prod' }));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^scale-workers: .*--env.*'staginf'.*dev, staging, prod, production/);
    expect(sandbox.requests).toEqual([]);
  });

  it('--env overrides ENV, and every command names its mode', async () => {
    const r = await runBin('scale-workers', ['--dry-run', '--env', 'dev', '--challenge', '1'], env({ ENV: 'prod' }));
    expect(started(r.logs)?.mode).toBe('dev');
    const c = await runBin('cancel-stale', ['--dry-run', '--challenge', '1'], env({ ENV: 'prod' }));
    expect(c.code).toBe(0);
    expect(started(c.logs)?.mode).toBe('prod');
  });
});
