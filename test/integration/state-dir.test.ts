import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runTargetKey } from '../../src/runtime/run-target.js';
import { runBin } from './harness.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

const env = (stateDir: string, extra: Record<string, string> = {}) => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', EVALAI_AUTOSCALER_STATE_DIR: stateDir, ...extra });
const statusFile = (dir: string, command = 'scale-workers') => join(dir, `${runTargetKey(command, sandbox.url)}.status.json`);

/** A tiny tmpfs of our own, to make a state directory read-only or full for real. Needs root (CI is root). */
const mounts: string[] = [];
function tinyFs(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'tinyfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return null;
  }
  mounts.push(dir);
  return dir;
}
afterAll(() => {
  for (const m of mounts) execFileSync('umount', [m], { stdio: 'ignore' });
});
const canMount = (() => {
  const probe = tinyFs();
  return probe !== null;
})();
const NO_MOUNT = 'needs a tmpfs mount (run as root, as CI does)';

describe('an unusable state directory: one line naming it and the fix, exit 2, nothing sent', () => {
  it.skipIf(!canMount)(`read-only file system (EROFS) [skipped where it ${NO_MOUNT}]`, async () => {
    const fs = tinyFs()!;
    mkdirSync(join(fs, 'state'));
    execFileSync('mount', ['-o', 'remount,ro', fs]);
    const r = await runBin('scale-workers', [], env(join(fs, 'state')));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^scale-workers: configuration error: cannot write to the state directory .*\/state \(EROFS\): the state directory is on a read-only file system; set --state-dir to a writable directory; nothing was done$/);
    expect(sandbox.requests).toHaveLength(0);
  });

  it.skipIf(!canMount)(`full file system (ENOSPC), and no temp file left behind [skipped where it ${NO_MOUNT}]`, async () => {
    const fs = tinyFs()!;
    const state = join(fs, 'state');
    mkdirSync(state);
    try {
      writeFileSync(join(fs, 'filler'), Buffer.alloc(1024 * 1024));
    } catch {
      // Full: exactly what the test wants.
    }
    const r = await runBin('scale-workers', [], env(state));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^scale-workers: configuration error: cannot (write to the state directory|create the lock) .* \(ENOSPC\): the file system of the state directory is full; free space or set --state-dir; nothing was done$/);
    expect(sandbox.requests).toHaveLength(0);
    expect(readdirSync(state)).toEqual([]);
  });

  it('a file where the state directory belongs', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'state-')), 'not-a-dir');
    writeFileSync(file, '');
    const r = await runBin('scale-workers', [], env(file));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^scale-workers: configuration error: cannot (create|write to) the state directory .*not-a-dir \((EEXIST|ENOTDIR)\): .*; nothing was done$/);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('a directory where the status file belongs: exit 2 before anything is sent, the lock released', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    mkdirSync(statusFile(dir));
    const r = await runBin('scale-workers', [], env(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write the status file .*\.status\.json \(EISDIR\): a directory stands where a file belongs; remove it; nothing was done/);
    expect(sandbox.requests).toHaveLength(0);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // The lock was let go: a run after the directory is removed goes ahead.
    execFileSync('rmdir', [statusFile(dir)]);
    expect((await runBin('scale-workers', ['--dry-run'], env(dir))).code).toBe(0);
    expect((await runBin('scale-workers', [], env(dir))).code).toBe(0);
  });
});

describe('status files that are not what they should be', () => {
  const write = (dir: string, name: string, content: string) => writeFileSync(join(dir, `${name}.status.json`), content);

  it('`status` shows an unusable file as a row saying what is wrong, keeps every other row, and --max-age names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    expect((await runBin('scale-workers', [], env(dir))).code).toBe(0);
    write(dir, 'scale-ec2@x-1', JSON.stringify({ command: 'scale-ec2', target: 'x', startedAt: 'yesterday', finishedAt: null, outcome: 'ok', exitCode: 0, counts: {}, lastSuccessAt: 'yesterday' }));
    write(dir, 'cancel-stale@x-2', '[]');
    write(dir, 'stop-idle@x-3', '{"command": "stop-id');
    const r = await runBin('evalai-autoscaler', ['status'], env(dir));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^scale-workers\s+http:\/\/127\.0\.0\.1:\d+\s+ok\s+0\s/m);
    expect(r.stdout).toMatch(/unusable: not a status file: startedAt: not a time\s.*scale-ec2@x-1$/m);
    expect(r.stdout).toMatch(/unusable: not a status file: the whole file: .*cancel-stale@x-2$/m);
    expect(r.stdout).toMatch(/unusable: not JSON \(truncated or corrupt\)\s.*stop-idle@x-3$/m);
    const alert = await runBin('evalai-autoscaler', ['status', '--max-age', '1h'], env(dir));
    expect(alert.code).toBe(1);
    expect(alert.stderr).toMatch(/^not running: stop-idle@x-3: status file .* is unusable \(not JSON \(truncated or corrupt\)\)$/m);
  });

  it('`status` does not create a state directory that does not exist', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'state-')), 'never-created');
    const r = await runBin('evalai-autoscaler', ['status'], env(dir));
    expect(r.stdout).toMatch(/no runs recorded in .*never-created/);
    expect(existsSync(dir)).toBe(false);
  });

  it('status --command A B --max-age: a named command that never ran is stale (a cron line broken since day one)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    expect((await runBin('scale-workers', [], env(dir))).code).toBe(0);
    const r = await runBin('evalai-autoscaler', ['status', '--command', 'scale-workers', 'scale-ec2', '--max-age', '30m'], env(dir));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('not running: scale-ec2 has never run (no status file)');
  });

  it('a run limited with --challenge leaves the last success time alone (it says nothing of the others)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    const r = await runBin('scale-workers', ['--challenge', '302'], env(dir));
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(statusFile(dir), 'utf8'))).toMatchObject({ outcome: 'ok', scoped: true, lastSuccessAt: null });
  });

  it('a corrupt status file is reported once by the next run, which writes a good one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    writeFileSync(statusFile(dir), '{"command": "scale-wor');
    const r = await runBin('scale-workers', [], env(dir));
    expect(r.code).toBe(0);
    expect(r.logs.filter((l) => l.msg === 'the last status file is unusable: its last success time is lost, and this run writes a new one')).toHaveLength(1);
    expect(JSON.parse(readFileSync(statusFile(dir), 'utf8'))).toMatchObject({ outcome: 'ok' });
  });

  it('status --forget removes a target that should not be watched (a one-off run against a mistyped URL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    expect((await runBin('scale-workers', ['--challenge', '302'], env(dir))).code).toBe(0);
    const key = runTargetKey('scale-workers', sandbox.url);
    const r = await runBin('evalai-autoscaler', ['status', '--forget', key], env(dir));
    expect(r.stdout.trim()).toBe(`forgot ${key} (removed ${statusFile(dir)})`);
    expect(existsSync(statusFile(dir))).toBe(false);
  });
});

describe('upgrading from 0.1.0', () => {
  it("carries over the status file 0.1.0 wrote under its older key, so no target is left behind to alert for ever", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-'));
    // 0.1.0's key: the host as written and a hash of the URL as given.
    const { createHash } = await import('node:crypto');
    const oldKey = `scale-workers@${new URL(sandbox.url).host.replace(/[^A-Za-z0-9.-]/g, '_')}-${createHash('sha256').update(`${sandbox.url}\n`).digest('hex').slice(0, 8)}`;
    const lastSuccessAt = '2026-11-20T10:00:00.000Z';
    writeFileSync(
      join(dir, `${oldKey}.status.json`),
      JSON.stringify({ command: 'scale-workers', target: sandbox.url, startedAt: lastSuccessAt, finishedAt: lastSuccessAt, outcome: 'ok', exitCode: 0, counts: {}, lastSuccessAt }),
    );
    await runBin('scale-workers', ['--challenge', '302'], env(dir));
    expect(readdirSync(dir).filter((n) => n.endsWith('.status.json'))).toEqual([`${runTargetKey('scale-workers', sandbox.url)}.status.json`]);
    expect(JSON.parse(readFileSync(statusFile(dir), 'utf8')).lastSuccessAt).toBe(lastSuccessAt);
  });
});
