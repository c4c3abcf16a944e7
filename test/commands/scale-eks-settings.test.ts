import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScaleEksSettings, resolveScaleEksSettings } from '../../src/commands/scale-eks/settings.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { acquireLock, lockFileOf } from '../../src/runtime/lock.js';
import { runTargetKey } from '../../src/runtime/run-target.js';
import { runInProcess } from '../integration/in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'scale-eks-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const resolve = (flags: Record<string, string>, env: Record<string, string>) => resolveScaleEksSettings(flags, env, 5000);

describe('resolveScaleEksSettings: the source is chosen by what is configured', () => {
  it('JSON_PATH: the config file, with the staff AUTH_TOKEN required', () => {
    const s = resolve({}, { JSON_PATH: '~/eks.json' });
    expect(s.policy.source).toEqual({ kind: 'file', path: '~/eks.json' });
    expect(s.evalaiToken).toBe('required');
  });

  it('--config-file wins over JSON_PATH and over LAMBDA_AUTH_TOKEN', () => {
    const s = resolve({ configFile: '/etc/eks.json' }, { JSON_PATH: '/x.json', LAMBDA_AUTH_TOKEN: 'lambda-secret' });
    expect(s.policy.source).toEqual({ kind: 'file', path: '/etc/eks.json' });
  });

  it('LAMBDA_AUTH_TOKEN: the autoscale endpoints, no user token needed', () => {
    const s = resolve({}, { LAMBDA_AUTH_TOKEN: 'lambda-secret', AWS_REGION: 'eu-west-1' });
    expect(s.policy.source).toEqual({ kind: 'lambda', token: 'lambda-secret' });
    expect(s.evalaiToken).toBe('optional');
    expect(s.policy.defaultRegion).toBe('eu-west-1');
    expect(s.policy.crossAccountRoleName).toBe('evalai-autoscale-crossaccount');
  });

  it('upstream\'s runner exports JSON_PATH="" when no file is given: that is unset', () => {
    expect(resolve({}, { JSON_PATH: '', LAMBDA_AUTH_TOKEN: 'lambda-secret' }).policy.source.kind).toBe('lambda');
  });

  it('LAMBDA_AUTH_TOKEN_FILE keeps the secret out of the crontab; a shared file is warned about', () => {
    const path = join(dir, 'lambda-token');
    writeFileSync(path, 'lambda-from-file\n');
    chmodSync(path, 0o644);
    const s = resolve({}, { LAMBDA_AUTH_TOKEN_FILE: path });
    expect(s.policy.source).toEqual({ kind: 'lambda', token: 'lambda-from-file' });
    expect(s.warnings).toEqual([expect.stringMatching(/readable by group or others/)]);
  });

  it('EKS_AWS_* keys are the default credentials; EKS_AWS_REGION the default region; --region wins', () => {
    const s = resolve({}, { JSON_PATH: '/x.json', EKS_AWS_ACCESS_KEY_ID: 'AKIAEKS', EKS_AWS_SECRET_ACCESS_KEY: 'eks-secret', EKS_AWS_REGION: 'us-west-2' });
    expect(s.policy.defaultCredentials).toEqual({ kind: 'static', accessKeyId: 'AKIAEKS', secretAccessKey: 'eks-secret', sessionToken: undefined, source: 'EKS_AWS_*' });
    expect(s.policy.defaultRegion).toBe('us-west-2');
    expect(resolve({ region: 'ap-south-1' }, { JSON_PATH: '/x.json', EKS_AWS_REGION: 'us-west-2' }).policy.defaultRegion).toBe('ap-south-1');
    expect(resolve({}, { JSON_PATH: '/x.json' }).policy.defaultCredentials).toEqual({ kind: 'default' });
  });

  it.each([
    ['neither', {}, {}, /nothing to scale: set JSON_PATH .* or set LAMBDA_AUTH_TOKEN/],
    ['both without --source', {}, { JSON_PATH: '/x.json', LAMBDA_AUTH_TOKEN: 't-123' }, /both JSON_PATH and LAMBDA_AUTH_TOKEN are set: choose the source with --source/],
    ['--source lambda without a token', { source: 'lambda' }, { JSON_PATH: '/x.json' }, /--source lambda needs LAMBDA_AUTH_TOKEN/],
    ['--source file without a file', { source: 'file' }, { LAMBDA_AUTH_TOKEN: 't-123' }, /--source file needs the config file/],
    ['a bad --source', { source: 's3' }, {}, /--source must be "file" or "lambda"/],
    ['half the EKS keys', {}, { JSON_PATH: '/x.json', EKS_AWS_ACCESS_KEY_ID: 'AKIAEKS' }, /EKS_AWS_ACCESS_KEY_ID and EKS_AWS_SECRET_ACCESS_KEY go together/],
    ['an unreadable Lambda token file', {}, { LAMBDA_AUTH_TOKEN_FILE: '/nonexistent/token' }, /cannot read LAMBDA_AUTH_TOKEN_FILE \/nonexistent\/token \(ENOENT\)/],
    ['a bad role name', { crossAccountRole: 'no spaces please' }, { LAMBDA_AUTH_TOKEN: 't-123' }, /not a valid IAM role name/],
  ])('%s: a configuration error', (_name, flags, env, message) => {
    expect(() => resolve(flags as Record<string, string>, env as Record<string, string>)).toThrow(ConfigError);
    expect(() => resolve(flags as Record<string, string>, env as Record<string, string>)).toThrow(message);
  });

  it('--source chooses when both are set', () => {
    expect(resolve({ source: 'lambda' }, { JSON_PATH: '/x.json', LAMBDA_AUTH_TOKEN: 't-123' }).policy.source.kind).toBe('lambda');
    expect(resolve({ source: 'file' }, { JSON_PATH: '/x.json', LAMBDA_AUTH_TOKEN: 't-123' }).policy.source.kind).toBe('file');
  });
});

describe('loadScaleEksSettings: the config file is read before the lock', () => {
  it('an invalid file is a configuration error (exit 2) even while another run holds the lock, and nothing is asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scale-eks-settings-'));
    try {
      const file = join(dir, 'eks.json');
      writeFileSync(file, '{ not json', { mode: 0o600 });
      const stateDir = join(dir, 'state');
      mkdirSync(stateDir);
      // Nothing listens here: a request would fail as unreachable (exit 3), not as configuration.
      const api = 'http://127.0.0.1:9';
      const lock = await acquireLock(lockFileOf(stateDir, runTargetKey('scale-eks', api, { configFile: file })), { holdForMs: 600_000, waitMs: 0 });
      if (!lock.acquired) throw new Error('the test could not take the lock');
      try {
        const r = await runInProcess(['scale-eks', '--config-file', file, '--state-dir', stateDir], { API_HOST_URL: api, AUTH_TOKEN: 'staff-token-1234' });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/configuration error: .*eks\.json/);
      } finally {
        lock.release();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads and validates the file, and registers its tokens as secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scale-eks-settings-'));
    try {
      const file = join(dir, 'eks.json');
      writeFileSync(file, JSON.stringify({ 12: { auth_token: 'host-token-abcdef' } }), { mode: 0o600 });
      const s = loadScaleEksSettings({ configFile: file }, {}, 5000);
      expect(s.file?.entries.map((e) => e.challengeId)).toEqual([12]);
      expect(s.secrets.scrub('x host-token-abcdef y')).toBe('x [REDACTED] y');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
