/**
 * The drop-in wrappers for upstream's scripts/monitoring/run_*.sh, run as cron runs them: the
 * script itself, upstream's positional arguments, and only what cron puts in the environment.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));
const UPSTREAM_PATH = '/home/ubuntu/EvalAI';

let sandbox: Sandbox;
let home: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  home = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-cron-home-'));
});
afterEach(() => sandbox.close());

/** Where the wrappers look for node by themselves; on a machine with node elsewhere, NODE names it, as documented. */
const NODE_FOUND = ['/usr/bin/node', '/bin/node', '/usr/local/bin/node', '/opt/homebrew/bin/node'].some((p) => existsSync(p));

/** cron's environment: PATH=/usr/bin:/bin, HOME, LOGNAME, SHELL; whatever the crontab adds. */
function cron(script: string, args: string[], extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: '/usr/bin:/bin', HOME: home, LOGNAME: 'evalai', SHELL: '/bin/sh', ...(NODE_FOUND ? {} : { NODE: process.execPath }), ...extra };
  return new Promise((resolve) => {
    execFile(join(SCRIPTS, script), args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const writes = () => sandbox.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
const tokenFile = (token: string) => {
  const path = join(home, 'staff.token');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  return path;
};

describe('scripts/run_auto_*.sh: upstream positional arguments, cron environment', () => {
  it('run_auto_scale_workers.sh <path> <token> <url> scales, exits with the command\'s code, and warns that the token shows in ps', async () => {
    const r = await cron('run_auto_scale_workers.sh', [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^scale-workers: \d+ challenges, start \d+/m);
    expect(writes()).toContain(`PUT /api/challenges/${SEEDED.activePendingNoWorker}/manage_worker/start/`);
    expect(r.stderr).toMatch(/^run_auto_scale_workers\.sh: warning: the auth token on the command line is visible to every user in ps; .*AUTH_TOKEN_FILE/m);
    expect(r.stderr).not.toContain(sandbox.tokens.staff);
  });

  it('run_auto_scale_workers.sh: a fourth argument that is a URL (upstream\'s monitoring URL) is ignored; anything else is ENV', async () => {
    const url = await cron('run_auto_scale_workers.sh', [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url, 'https://monitoring.example.org'], { SCALE_WORKERS_ARGS: '--dry-run' });
    expect(url.code, url.stderr).toBe(0);
    expect(url.stderr).toMatch(/"mode":"dev"/);
    const env = await cron('run_auto_scale_workers.sh', [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url, 'staging'], { SCALE_WORKERS_ARGS: '--dry-run' });
    expect(env.stderr).toMatch(/"mode":"staging"/);
  });

  it('prefers AUTH_TOKEN_FILE when set: the token argument is ignored and no warning is printed', async () => {
    const r = await cron('run_auto_scale_workers.sh', [UPSTREAM_PATH, 'not-the-token', sandbox.url], { AUTH_TOKEN_FILE: tokenFile(sandbox.tokens.staff) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/visible to every user/);
  });

  it('run_auto_scale_ec2_workers.sh <path> <token> <url> <env>: the fourth argument is ENV', async () => {
    const r = await cron('run_auto_scale_ec2_workers.sh', [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url, 'prod'], { SCALE_EC2_ARGS: '--dry-run' });
    // The sandbox seeds one EC2 challenge whose instance EvalAI cannot describe: exit 1, the rest planned.
    expect(r.stdout).toMatch(/^scale-ec2 \(dry run\): \d+ challenges, would stop \d+, would start \d+, .* 1 failed; exit 1$/m);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/"msg":"run started"/);
    expect(r.stderr).toMatch(/"mode":"prod"/);
  });

  it('run_auto_cancel_submissions.sh <path> <token> <url> runs cancel-stale', async () => {
    const r = await cron('run_auto_cancel_submissions.sh', [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cancel-stale: \d+ challenges/m);
    expect(writes().some((w) => w.includes('update_submission'))).toBe(true);
  });

  it('run_auto_scale_eks_nodes.sh <path> <json> <url> <env> <account> <key id> <secret> <region> <bucket>: each lands where upstream put it', async () => {
    const missing = join(home, 'no-such-eks.json');
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const r = await cron(
      'run_auto_scale_eks_nodes.sh',
      [UPSTREAM_PATH, missing, sandbox.url, 'prod', '123456789012', 'AKIAIOSFODNN7EXAMPLE', secret, 'us-east-1', 'bucket'],
      { AUTH_TOKEN: sandbox.tokens.staff },
    );
    // The config file named by the second argument is the one read: missing, so a configuration error.
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`scale-eks: configuration error: `);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toMatch(/warning: the AWS secret access key on the command line is visible/);
    expect(r.stderr).not.toContain(secret);
    expect(sandbox.requests).toEqual([]);
  });

  it('an empty argument keeps the environment\'s value (upstream exported an empty one)', async () => {
    const r = await cron('run_auto_cancel_submissions.sh', [UPSTREAM_PATH, '', ''], { API_HOST_URL: sandbox.url, AUTH_TOKEN_FILE: tokenFile(sandbox.tokens.staff), CANCEL_STALE_ARGS: '--dry-run' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cancel-stale \(dry run\): /m);
  });

  it('passes the command\'s exit code through: no URL is exit 2 with the command\'s one-line error', async () => {
    const r = await cron('run_auto_scale_workers.sh', [UPSTREAM_PATH, sandbox.tokens.staff]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scale-workers: configuration error: API_HOST_URL is not set/m);
  });

  it('says how to fix a node it cannot find, with exit 127', async () => {
    const r = await cron('run_auto_scale_workers.sh', [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url], { NODE: join(home, 'no-node') });
    expect(r.code).toBe(127);
  });
});

/** An AWS endpoint that is not there: scale-eks's reads fail at once, and nothing leaves 127.0.0.1. */
const CLOSED_AWS = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIAWRAPPERTEST', AWS_SECRET_ACCESS_KEY: 'wrapper-test-secret' };

describe('scripts/run_auto_*.sh: options after the positional arguments reach the command', () => {
  const cases: Array<{ script: string; args: () => string[]; env?: () => Record<string, string>; summary: RegExp; code: number }> = [
    { script: 'run_auto_cancel_submissions.sh', args: () => [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url], summary: /^cancel-stale \(dry run\): /m, code: 0 },
    { script: 'run_auto_scale_workers.sh', args: () => [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url, 'prod'], summary: /^scale-workers \(dry run\): .*would start [1-9]/m, code: 0 },
    // The seeded EC2 challenge whose instance EvalAI cannot describe fails: exit 1, the rest planned.
    { script: 'run_auto_scale_ec2_workers.sh', args: () => [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url, 'prod'], summary: /^scale-ec2 \(dry run\): .*would start [1-9]/m, code: 1 },
    // The Lambda path (no JSON_PATH): the nodegroups cannot be read from the closed AWS endpoint, exit 1.
    { script: 'run_auto_scale_eks_nodes.sh', args: () => [UPSTREAM_PATH, '', sandbox.url, 'prod', '', '', '', '', ''], env: () => ({ LAMBDA_AUTH_TOKEN: sandbox.tokens.lambda!, ...CLOSED_AWS }), summary: /^scale-eks \(dry run\): /m, code: 1 },
  ];

  it.each(cases)('$script <positionals> --dry-run is a dry run: nothing changes on the server', async ({ script, args, env, summary, code }) => {
    const before = structuredClone(sandbox.state);
    const r = await cron(script, [...args(), '--dry-run'], env?.() ?? {});
    expect(r.stdout, r.stderr).toMatch(summary);
    expect(r.code, r.stderr).toBe(code);
    expect(writes()).toEqual([]);
    expect(sandbox.state).toEqual(before);
  });

  it('several options after the positionals all reach the command (with the *_ARGS variable\'s first)', async () => {
    const r = await cron('run_auto_cancel_submissions.sh', [UPSTREAM_PATH, sandbox.tokens.staff, sandbox.url, '--dry-run', '--json'], { CANCEL_STALE_ARGS: '--older-than 21d' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'cancel-stale', dryRun: true });
    expect(writes()).toEqual([]);
  });

  const slots: Array<[string, string[], RegExp]> = [
    ['run_auto_scale_ec2_workers.sh', [UPSTREAM_PATH, 'TOKEN', 'URL', '--dry-run'], /^run_auto_scale_ec2_workers\.sh: argument 4 \(ENV\) is "--dry-run", an option: /],
    ['run_auto_scale_workers.sh', [UPSTREAM_PATH, 'TOKEN', 'URL', '--dry-run'], /^run_auto_scale_workers\.sh: argument 4 \(ENV or monitoring URL\) is "--dry-run", an option: /],
    ['run_auto_cancel_submissions.sh', [UPSTREAM_PATH, 'TOKEN', '--dry-run'], /^run_auto_cancel_submissions\.sh: argument 3 \(API host URL\) is "--dry-run", an option: /],
    ['run_auto_scale_eks_nodes.sh', [UPSTREAM_PATH, 'x.json', 'URL', '--dry-run'], /^run_auto_scale_eks_nodes\.sh: argument 4 \(ENV\) is "--dry-run", an option: /],
  ];
  it.each(slots)('%s: an option in a positional slot is refused with exit 2 and one line naming the slot; nothing is sent', async (script, args, line) => {
    const filled = args.map((a) => (a === 'TOKEN' ? sandbox.tokens.staff : a === 'URL' ? sandbox.url : a));
    const r = await cron(script, filled, { SCALE_WORKERS_ARGS: '', LAMBDA_AUTH_TOKEN: 'x' });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !/visible to every user/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(sandbox.requests).toEqual([]);
  });
});

describe('scripts/run_auto_*.sh --help', () => {
  const helps: Array<[string, string, RegExp]> = [
    ['run_auto_scale_workers.sh', 'scale-workers', /\$4 upstream's monitoring API URL/],
    ['run_auto_scale_ec2_workers.sh', 'scale-ec2', /\$4 ENV/],
    ['run_auto_scale_eks_nodes.sh', 'scale-eks', /\$9 EKS_AWS_STORAGE_BUCKET_NAME/],
    ['run_auto_cancel_submissions.sh', 'cancel-stale', /\$3 API host URL/],
  ];
  it.each(helps)('%s --help says which arguments it takes and where the command\'s options are; exit 0, nothing run', async (script, command, slot) => {
    for (const flag of ['--help', '-h']) {
      const r = await cron(script, [flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Drop-in for EvalAI's scripts/monitoring/${script}`);
      expect(r.stdout).toMatch(slot);
      expect(r.stdout).toContain(`${command} --help`);
      expect(r.stdout).not.toMatch(/shellcheck/);
      expect(r.stderr).toBe('');
      expect(sandbox.requests).toEqual([]);
    }
  });
});

const haveShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
if (!haveShellcheck) console.log('shellcheck of the wrappers skipped: shellcheck is not installed (apt-get install shellcheck)');

describe.skipIf(!haveShellcheck)('the wrappers are portable sh', () => {
  it('shellcheck finds nothing', () => {
    const files = ['run_auto_scale_workers.sh', 'run_auto_scale_ec2_workers.sh', 'run_auto_scale_eks_nodes.sh', 'run_auto_cancel_submissions.sh', 'wrapper-common.sh'];
    const r = spawnSync('shellcheck', ['-x', ...files], { cwd: SCRIPTS, encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});
