/**
 * What an operator does on a server: `npm pack`, then `npm install -g <tarball>`, here into a
 * temporary prefix. Every bin must then be on PATH and work, also under cron's minimal environment.
 * Dependencies come from the npm cache or the registry: without the registry this file skips.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const BINS = Object.keys(PKG.bin);
/** npm from PATH: the one an operator would use. */
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function npmReachable(): boolean {
  const r = spawnSync(NPM, ['ping', '--fetch-timeout=10000', '--fetch-retries=0'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}

const reachable = npmReachable();
if (!reachable) console.log('install test skipped: `npm ping` failed (no npm registry reachable from here)');

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The timeout is a hang guard only: an install on a busy machine can take a minute.
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!reachable)('npm pack, then npm install -g of the tarball', () => {
  let work: string;
  let prefixBin: string;
  let sandbox: Sandbox;
  /** What cron gives a job: a bare PATH (plus the dir of this node, as an absolute NODE would), HOME, nothing else. */
  let cronEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-install-'));
    // --ignore-scripts: `npm test` has just built dist/; pack what is there.
    const pack = await run(NPM, ['pack', '--ignore-scripts', '--pack-destination', work, ROOT], { cwd: work });
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = join(work, pack.stdout.trim().split('\n').pop()!);
    const prefix = join(work, 'prefix');
    const install = await run(NPM, ['install', '-g', tarball, '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: work });
    expect(install.code, install.stderr).toBe(0);
    prefixBin = join(prefix, 'bin');
    cronEnv = { PATH: `${prefixBin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, EVALAI_AUTOSCALER_STATE_DIR: join(work, 'state') };
    sandbox = await startSandbox();
  }, 600_000);

  afterAll(async () => {
    await sandbox?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(BINS)('%s --version prints the package version, found on PATH', async (bin) => {
    const r = await run(bin, ['--version'], { env: cronEnv });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(PKG.version);
  });

  it('scale-workers against the sandbox, under a cron-like environment, starts the workers it should', async () => {
    const r = await run('scale-workers', [], { env: { ...cronEnv, API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^scale-workers: \d+ challenges, start \d+, stop \d+, .*; exit 0$/m);
    expect(sandbox.requests.filter((q) => q.method === 'PUT').map((q) => q.path)).toContain(`/api/challenges/${SEEDED.activePendingNoWorker}/manage_worker/start/`);
  });

  it('the installed drop-in wrapper runs under cron\'s PATH with upstream\'s arguments', async () => {
    const wrapper = join(work, 'prefix', 'lib', 'node_modules', 'evalai-autoscaler', 'scripts', 'run_auto_cancel_submissions.sh');
    const r = await run(wrapper, ['/home/ubuntu/EvalAI', sandbox.tokens.staff, sandbox.url], {
      env: { PATH: '/usr/bin:/bin', HOME: work, NODE: process.execPath, EVALAI_AUTOSCALER_STATE_DIR: join(work, 'state'), CANCEL_STALE_ARGS: '--dry-run' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cancel-stale \(dry run\): /m);
  });

  it('the installed --help points at a docs page that was installed with it', async () => {
    const r = await run('cancel-stale', ['--help'], { env: cronEnv });
    const page = /^Docs: (.+)$/m.exec(r.stdout)?.[1];
    expect(page?.startsWith(work)).toBe(true);
    expect(readFileSync(page!, 'utf8')).toMatch(/^# `cancel-stale`/);
  });

  it('demo and sandbox, installed, print the installed command names, not paths into node_modules', async () => {
    const demo = await run('evalai-autoscaler', ['demo'], { cwd: work, env: cronEnv });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/^\$ API_HOST_URL=\S+ AUTH_TOKEN=\.\.\. ENV=prod scale-workers --dry-run$/m);
    expect(demo.stdout).toContain('Next: `evalai-autoscaler sandbox`');
    expect(demo.stdout).not.toMatch(/node_modules|node \S+\.js/);

    const child = spawn('evalai-autoscaler', ['sandbox', '--port', '0'], { cwd: work, env: cronEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let banner = '';
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          banner += d.toString();
          if (banner.includes('Press Ctrl-C to stop.')) resolve();
        });
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`sandbox exited ${code}: ${banner}`)));
      });
    } finally {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
    }
    expect(banner).toMatch(/^ {2}scale-workers --dry-run$/m);
    expect(banner).toMatch(/^ {4}LAMBDA_AUTH_TOKEN=\S+ scale-eks --dry-run$/m);
    expect(banner).not.toMatch(/node_modules|node \S+\.js/);
  });
});

/** HPC login nodes have no root: the same tarball into ~/.local, with only the user's HOME. */
describe.skipIf(!reachable)('npm install -g --prefix ~/.local (no root)', () => {
  let work: string;
  let home: string;
  let tarball: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-home-install-'));
    home = join(work, 'home');
    const pack = await run(NPM, ['pack', '--ignore-scripts', '--pack-destination', work, ROOT], { cwd: work });
    expect(pack.code, pack.stderr).toBe(0);
    tarball = join(work, pack.stdout.trim().split('\n').pop()!);
    // The user's own npm cache (dependencies come from it when they can), a fresh HOME: ~ is the temp one.
    const cache = spawnSync(NPM, ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
    const install = await run('/bin/sh', ['-c', 'mkdir -p "$HOME" && npm install -g --prefix ~/.local "$TARBALL" --prefer-offline --no-audit --no-fund'], {
      cwd: work,
      env: { PATH: process.env.PATH, HOME: home, TARBALL: tarball, npm_config_cache: cache },
    });
    expect(install.code, install.stderr).toBe(0);
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('README documents this very install, and Node 20 without root', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm install -g --prefix ~/.local ./evalai-autoscaler-');
    expect(readme).toContain('npm install -g --prefix ~/.local node@20');
  });

  it('the bins land in ~/.local/bin and run from there: --version and --help', async () => {
    const env = { PATH: `${join(home, '.local', 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home };
    for (const bin of ['evalai-autoscaler', 'scale-pool']) {
      const version = await run(join(home, '.local', 'bin', bin), ['--version'], { env });
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(PKG.version);
    }
    const help = await run('scale-pool', ['--help'], { env });
    expect(help.code, help.stderr).toBe(0);
    const page = /^Docs: (.+)$/m.exec(help.stdout)?.[1];
    expect(page).toBe(join(home, '.local', 'lib', 'node_modules', 'evalai-autoscaler', 'docs', 'scale-pool.md'));
    expect(readFileSync(page!, 'utf8')).toMatch(/^# `scale-pool`/);
  });
});

