import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSeed, makeChallenge, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runTargetKey } from '../../src/runtime/run-target.js';
import { lockHolder } from '../../src/runtime/lock.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** Polls a condition (no race: the condition is what the test waits for; the limit is a hang guard). */
async function until(what: string, cond: () => boolean, limitMs = 60_000): Promise<void> {
  const giveUp = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function startBin(name: string, args: string[], env: Record<string, string>, stderrFd?: number) {
  const child = spawn(process.execPath, [`${ROOT}bin/${name}.js`, ...args], {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env },
    stdio: ['ignore', 'pipe', stderrFd ?? 'pipe'],
    cwd: ROOT,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('SIGTERM and SIGINT', () => {
  const managePuts = () => sandbox!.requests.filter((r) => r.method === 'PUT' && r.path.includes('manage_worker'));

  it('SIGTERM mid-run: nothing new starts, the calls in flight finish and are recorded, status "interrupted", report printed, lock released, exit 143', async () => {
    sandbox = await startSandbox();
    let open!: () => void;
    sandbox.fault({ path: /manage_worker/, fault: { kind: 'gate', open: new Promise<void>((r) => (open = r)) } });
    const stateDir = mkdtempSync(join(tmpdir(), 'state-'));
    const run = startBin('scale-workers', ['--concurrency', '4', '--read-concurrency', '4', '--rate-limit', '60'], {
      API_HOST_URL: sandbox.url,
      AUTH_TOKEN: sandbox.tokens.staff,
      ENV: 'prod',
      EVALAI_AUTOSCALER_STATE_DIR: stateDir,
    });
    await until('two manage_worker calls in flight', () => managePuts().length >= 2);
    run.child.kill('SIGTERM');
    await until('the run to acknowledge SIGTERM', () => run.err().includes('SIGTERM received'));
    open();
    expect(await run.exited).toBe(143);

    // Every manage_worker call that reached the server is in the report as done: nothing acted
    // unrecorded. At most one per challenge that was in flight (4 at a time), none after.
    const inFlight = managePuts().length;
    expect(inFlight).toBeGreaterThanOrEqual(2);
    expect(inFlight).toBeLessThanOrEqual(4);
    expect(run.out()).toMatch(/error: interrupted by SIGTERM: no new work was started after it/);
    const done = run.out().split('\n').filter((l) => /: (start|stop) - /.test(l));
    expect(done).toHaveLength(inFlight);
    const key = runTargetKey('scale-workers', sandbox.url);
    const status = JSON.parse(readFileSync(join(stateDir, `${key}.status.json`), 'utf8'));
    expect(status).toMatchObject({ outcome: 'interrupted', exitCode: 143 });
    expect(status.counts.done).toBe(inFlight);
    // The next run resumes after the last challenge this one started.
    expect(status.resumeAfter).toEqual(expect.any(Number));
    expect(lockHolder(join(stateDir, `${key}.lock`))).toBeNull();
  });

  it('a second signal stops at once, and still releases the lock and records "interrupted"', async () => {
    sandbox = await startSandbox();
    sandbox.fault({ path: /manage_worker/, fault: { kind: 'gate', open: new Promise<void>(() => undefined) } });
    const stateDir = mkdtempSync(join(tmpdir(), 'state-'));
    const run = startBin('scale-workers', [], { API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', EVALAI_AUTOSCALER_STATE_DIR: stateDir });
    await until('a manage_worker call in flight', () => managePuts().length >= 1);
    run.child.kill('SIGINT');
    await until('the run to acknowledge SIGINT', () => run.err().includes('SIGINT received'));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    const key = runTargetKey('scale-workers', sandbox.url);
    expect(JSON.parse(readFileSync(join(stateDir, `${key}.status.json`), 'utf8'))).toMatchObject({ outcome: 'interrupted', exitCode: 130 });
    expect(lockHolder(join(stateDir, `${key}.lock`))).toBeNull();
  });
});

describe('output that is complete whatever reads it', () => {
  it('a --json report of more than a MiB (16 pipe buffers) through a slow pipe arrives whole, run after run', { timeout: 90_000 }, async () => {
    const now = new Date();
    const seed = defaultSeed(now);
    for (let i = 0; i < 8_000; i++) seed.challenges.set(200_000 + i, makeChallenge(200_000 + i, now, { creatorTeamId: 5, workers: null }));
    sandbox = await startSandbox({ seed, throttleRatePerMinute: false });
    for (const command of ['scale-workers', 'stop-idle']) {
      // The reader sleeps before it reads anything: the writer's pipe buffer is full long before.
      const shell = spawn('/bin/sh', ['-c', `"${process.execPath}" "${ROOT}bin/${command}.js" --json --dry-run --verbose | (sleep 1; cat)`], {
        env: { PATH: process.env.PATH!, API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      shell.stdout.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((resolve) => shell.on('close', resolve));
      expect(out.length).toBeGreaterThan(1024 * 1024);
      const report = JSON.parse(out) as { command: string; outcomes: unknown[] };
      expect(report.command).toBe(command);
      expect(report.outcomes.length).toBeGreaterThan(8_000);
    }
  });

  it('stderr on a full disk (/dev/full): the run still acts, reports, and counts the lost log lines in the status', async () => {
    sandbox = await startSandbox();
    const stateDir = mkdtempSync(join(tmpdir(), 'state-'));
    const full = openSync('/dev/full', 'w');
    const run = startBin('scale-workers', [], { API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', EVALAI_AUTOSCALER_STATE_DIR: stateDir }, full);
    const code = await run.exited;
    closeSync(full);
    expect(code).toBe(0);
    expect(managePuts().length).toBeGreaterThan(0);
    expect(run.out()).toMatch(/^scale-workers: 322 challenges, start \d+, stop \d+, .*; \d+ log lines could not be written \(ENOSPC\); exit 0$/m);
    const status = JSON.parse(readFileSync(join(stateDir, `${runTargetKey('scale-workers', sandbox.url)}.status.json`), 'utf8'));
    expect(status).toMatchObject({ outcome: 'ok', exitCode: 0 });
    expect(status.counts.logLinesDropped).toBeGreaterThan(0);
    expect(status.counts['action:start']).toBeGreaterThan(0);

    function managePuts() {
      return sandbox!.requests.filter((r) => r.method === 'PUT' && r.path.includes('manage_worker'));
    }
  });
});
