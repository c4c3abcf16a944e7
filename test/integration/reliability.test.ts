import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runTargetKey } from '../../src/runtime/run-target.js';
import { lockHolder, readPidStart } from '../../src/runtime/lock.js';
import { runBin } from './harness.js';

let sandbox: Sandbox;
let stateDir: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  stateDir = mkdtempSync(join(tmpdir(), 'state-'));
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined> = {}) => ({
  API_HOST_URL: sandbox.url,
  AUTH_TOKEN: sandbox.tokens.staff,
  ENV: 'prod',
  EVALAI_AUTOSCALER_STATE_DIR: stateDir,
  ...extra,
});
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT');
const lockPath = () => join(stateDir, `${runTargetKey('scale-workers', sandbox.url)}.lock`);
/** A lock generation file as a holder writes it. */
const holdLock = (pid: number, extra: Record<string, unknown> = {}) =>
  writeFileSync(
    `${lockPath()}.0`,
    JSON.stringify({ pid, host: hostname(), startedAt: new Date().toISOString(), staleAt: new Date(Date.now() + 600_000).toISOString(), nonce: 'test', ...extra }),
  );
const statusPath = () => join(stateDir, `${runTargetKey('scale-workers', sandbox.url)}.status.json`);

describe('overlapping runs: one lock per command and target', () => {
  it('a second run exits 4 at once with a one-line reason, and does nothing', async () => {
    holdLock(process.pid);
    const r = await runBin('scale-workers', [], env());
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`^scale-workers: another scale-workers run \\(pid ${process.pid} on .*\\) holds the lock .*; this run did nothing$`, 'm'));
    expect(sandbox.requests).toHaveLength(0);
  });

  it('the same server spelled another way (localhost for 127.0.0.1) is the same lock', async () => {
    holdLock(process.pid);
    const r = await runBin('scale-workers', [], env({ API_HOST_URL: sandbox.url.replace('127.0.0.1', 'localhost') }));
    expect(r.code).toBe(4);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('a lock left by a dead process is recovered', async () => {
    holdLock(999_999_999);
    const r = await runBin('scale-workers', [], env());
    expect(r.code).toBe(0);
    expect(puts().length).toBeGreaterThan(0);
    expect(lockHolder(lockPath())).toBeNull();
    expect(existsSync(`${lockPath()}.0`)).toBe(false);
  });

  it.runIf(existsSync('/proc/self/stat'))('a live pid that now belongs to another process (a restarted container) does not hold the lock; the holder itself does', async () => {
    // This test's own process is alive; the lock says it started at another time: the pid was reused.
    const start = readPidStart(process.pid)!;
    holdLock(process.pid, { bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), pidStart: String(Number(start) + 1) });
    const taken = await runBin('scale-workers', [], env());
    expect(taken.code).toBe(0);
    expect(puts().length).toBeGreaterThan(0);

    holdLock(process.pid, { bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), pidStart: start });
    // The run above left generation 1 (released); the holder is written over the top generation.
    writeFileSync(`${lockPath()}.2`, readFileSync(`${lockPath()}.0`));
    const held = await runBin('scale-workers', [], env());
    expect(held.code).toBe(4);
  });

  it('--wait-lock waits for the other run to finish', async () => {
    holdLock(process.pid);
    // The holder lets go while the second run waits (it only ever waits: the order is fixed).
    setTimeout(() => holdLock(process.pid, { released: true }), 0);
    const r = await runBin('scale-workers', ['--wait-lock', '30s'], env());
    expect(r.code).toBe(0);
  });

  it('a dry run takes no lock and leaves no status (it changes nothing)', async () => {
    holdLock(process.pid);
    const r = await runBin('scale-workers', ['--dry-run'], env());
    expect(r.code).toBe(0);
    expect(existsSync(statusPath())).toBe(false);
  });
});

describe('--deadline', () => {
  it('past it no new challenge starts, what is in flight finishes, the rest is reported, exit 5', async () => {
    // The first metrics call is answered only after the deadline (4 s is a generous bound for
    // starting the bin and reading one page, not a race): it finishes, and nothing starts after it.
    sandbox.fault({ path: /get_submission_metrics_by_pk/, fault: { kind: 'latency', ms: 5_000 } });
    const r = await runBin('scale-workers', ['--deadline', '4s', '--read-concurrency', '1'], env());
    expect(r.code).toBe(5);
    expect(sandbox.requests.filter((q) => q.path.includes('metrics')).map((q) => q.status)).toEqual([200]);
    expect(puts()).toEqual([]);
    // Read concurrency 1 reads 4 challenges ahead: the slow one and the 3 queued behind it, never started.
    expect(r.stdout).toMatch(/^error: deadline passed: work on 3 listed challenges \(or submissions\) was not started, and the rest of the list was not read; the next run starts with them$/m);
  }, 30_000);
});

describe('fairness: a run resumes where the last one stopped', () => {
  it('reads the place from the status file, starts after it, and clears it once the whole list was handled', async () => {
    writeFileSync(
      statusPath(),
      JSON.stringify({ command: 'scale-workers', target: sandbox.url, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), outcome: 'partial', exitCode: 5, counts: {}, lastSuccessAt: null, resumeAfter: 310 }),
    );
    const r = await runBin('scale-workers', [], env());
    expect(r.code).toBe(0);
    expect(r.logs.find((l) => l.msg === 'run started')).toMatchObject({ resumeAfter: 310 });
    const status = JSON.parse(readFileSync(statusPath(), 'utf8'));
    expect(status.outcome).toBe('ok');
    expect(status.resumeAfter).toBeUndefined();
  });
});

describe('--max-actions', () => {
  it('refuses actions beyond the cap, says so, exits 6', async () => {
    const r = await runBin('scale-workers', ['--max-actions', '2'], env());
    expect(r.code).toBe(6);
    expect(puts()).toHaveLength(2);
    expect(r.stdout).toMatch(/failed - .*refused: --max-actions 2 reached in this run/);
    expect(r.stdout).toMatch(/error: --max-actions 2 reached: \d+ further actions were refused; check the data before raising it/);
  });

  it('a dry run shows the same refusals', async () => {
    const r = await runBin('scale-workers', ['--dry-run', '--max-actions', '2'], env());
    expect(r.code).toBe(6);
    expect(puts()).toHaveLength(0);
    expect(r.stdout).toMatch(/would start 2|would stop 2|would start 1, would stop 1/);
  });

  // The list is newest first, so the idle challenge comes before the one with waiting submissions;
  // one challenge at a time, so the old list-order spending would be certain, not a race.
  const oneAtATime = ['--max-actions', '1', '--concurrency', '1', '--read-concurrency', '1'];
  it.each([
    ['scale-workers', SEEDED.activeIdleWorker, SEEDED.activePendingNoWorker, 'manage_worker/start/'],
    ['scale-ec2', SEEDED.ec2RunningIdle, SEEDED.ec2Stopped, 'manage_ec2_instance/start/'],
  ])('%s: the budget serves waiting submissions first: a stop earlier in the list than a start is refused, the start goes (exit 6)', async (bin, stopId, startId, startPath) => {
    const r = await runBin(bin, [...oneAtATime, '--challenge', String(stopId), '--challenge', String(startId)], env({ ENV: 'prod' }));
    expect(r.code, r.stderr).toBe(6);
    expect(puts().map((p) => p.path)).toEqual([`/api/challenges/${startId}/${startPath}`]);
    expect(r.stdout).toMatch(new RegExp(`challenge ${startId} ".*": start - `));
    expect(r.stdout).toMatch(new RegExp(`challenge ${stopId} ".*": failed - .*refused: --max-actions 1 reached in this run`));
  });

  it('a bad metrics answer cannot start everything: huge counts everywhere still stop at the cap', async () => {
    sandbox.fault({ path: /get_submission_metrics_by_pk/, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), submitted: 1_000_000 }) } });
    const r = await runBin('scale-workers', ['--max-actions', '3'], env());
    expect(r.code).toBe(6);
    expect(puts()).toHaveLength(3);
  });
});

describe('status files: alerting on a cron job that stopped', () => {
  it('each run writes its status atomically; a failed run keeps the last success time', async () => {
    const ok = await runBin('scale-workers', [], env());
    expect(ok.code).toBe(0);
    const first = JSON.parse(readFileSync(statusPath(), 'utf8'));
    expect(first).toMatchObject({ command: 'scale-workers', target: sandbox.url, outcome: 'ok', exitCode: 0 });
    expect(first.lastSuccessAt).toBe(first.finishedAt);
    expect(first.counts).toMatchObject({ challenges: 322, failed: 0, 'action:start': expect.any(Number) });

    const token = sandbox.tokens.staff;
    const staffEnv = env();
    sandbox.state.users.find((u) => u.id === SEEDED.users.staff)!.tokenState = 'expired';
    const failed = await runBin('scale-workers', [], staffEnv);
    expect(failed.code).toBe(3);
    const second = JSON.parse(readFileSync(statusPath(), 'utf8'));
    expect(second).toMatchObject({ outcome: 'failed', exitCode: 3, lastSuccessAt: first.lastSuccessAt });
    expect(second.message).toMatch(/rejected the token/);
    expect(readFileSync(statusPath(), 'utf8')).not.toContain(token);
  });

  it('`evalai-autoscaler status` prints the table, and --max-age exits 1 for a stale command', async () => {
    await runBin('scale-workers', [], env());
    const table = await runBin('evalai-autoscaler', ['status'], env());
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^command\s+target\s+outcome\s+exit\s+finished\s+last success\s+failing\s+key \(for --forget\)$/m);
    expect(table.stdout).toMatch(/^scale-workers\s+http:\/\/127\.0\.0\.1:\d+\s+ok\s+0\s+/m);

    const fresh = await runBin('evalai-autoscaler', ['status', '--max-age', '10m'], env());
    expect(fresh.code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const stale = await runBin('evalai-autoscaler', ['status', '--max-age', '10ms'], env());
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^not running: scale-workers \(http:\/\/127\.0\.0\.1:\d+\) has not run within 0 s: its last run finished .* ago; is its cron line or timer still there\?$/m);
  });

  it('status --max-age tells a command that keeps failing (exit 7: what fails, since when) from one that stopped running (exit 1)', async () => {
    // The sandbox's EC2 challenge without an instance id fails every run: scale-ec2 exits 1 each time.
    const first = await runBin('scale-ec2', [], env());
    expect(first.code).toBe(1);
    const firstStatus = JSON.parse(readFileSync(join(stateDir, `${runTargetKey('scale-ec2', sandbox.url)}.status.json`), 'utf8'));
    const second = await runBin('scale-ec2', [], env());
    expect(second.code).toBe(1);
    const path = join(stateDir, `${runTargetKey('scale-ec2', sandbox.url)}.status.json`);
    const status = JSON.parse(readFileSync(path, 'utf8'));
    // The streak and the item keep the time of the first failing run.
    expect(status.failing).toEqual({ since: firstStatus.finishedAt, exitCode: 1, items: [{ id: SEEDED.ec2NoInstance, since: firstStatus.finishedAt, error: expect.stringMatching(/HTML page/) }], more: 0 });

    const failing = await runBin('evalai-autoscaler', ['status', '--command', 'scale-ec2', '--max-age', '30m'], env());
    expect(failing.code).toBe(7);
    expect(failing.stderr).toMatch(new RegExp(`^failing: scale-ec2 \\(.*\\) runs \\(last .* ago, exit 1\\) but has never succeeded; runs fail since ${firstStatus.finishedAt} \\(.* ago\\): failing 1: ${SEEDED.ec2NoInstance} since ${firstStatus.finishedAt} \\(.*HTML page.*\\)$`, 'm'));
    expect(failing.stderr).not.toMatch(/not running/);
    expect(failing.stdout).toMatch(/^command\s+target\s+outcome\s+exit\s+finished\s+last success\s+failing\s+key/m);
    const json = await runBin('evalai-autoscaler', ['status', '--command', 'scale-ec2', '--max-age', '30m', '--json'], env());
    expect(json.code).toBe(7);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ command: 'scale-ec2', check: 'failing', lastRunAgeSeconds: expect.any(Number), failing: status.failing })]);

    // The cron line goes away: two hours later the last run is old, and that is what status says.
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    writeFileSync(path, JSON.stringify({ ...status, startedAt: old, finishedAt: old }));
    const stopped = await runBin('evalai-autoscaler', ['status', '--command', 'scale-ec2', '--max-age', '30m', '--json'], env());
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/^not running: scale-ec2 \(.*\) has not run within 30 min: its last run finished 2 h ago; is its cron line or timer still there\?$/m);
    expect(JSON.parse(stopped.stdout)[0].check).toBe('not-running');
  });

  it('`status --max-age` with no run ever recorded exits 1', async () => {
    const r = await runBin('evalai-autoscaler', ['status', '--max-age', '1h'], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/no runs recorded in /);
  });
});

describe('status --command', () => {
  it('checks only the named commands', async () => {
    await runBin('scale-workers', [], env());
    const other = await runBin('evalai-autoscaler', ['status', '--command', 'cancel-stale', '--max-age', '1h'], env());
    expect(other.code).toBe(1); // cancel-stale never ran here
    // Runs are recorded (scale-workers'): the line says none is of the command asked about.
    expect(other.stdout).toMatch(/^no runs of cancel-stale recorded in /);
    const mine = await runBin('evalai-autoscaler', ['status', '--command', 'scale-workers', '--max-age', '1h'], env());
    expect(mine.code).toBe(0);
    expect(mine.stdout).not.toMatch(/cancel-stale/);
  });
});
