import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTargetKey } from '../../src/runtime/run-target.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { HistoryFile } from '../../src/state/history-file.js';
import { runBin } from './harness.js';

let sandbox: Sandbox;
let stateDir: string;
let historyPath: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  stateDir = mkdtempSync(join(tmpdir(), 'history-it-'));
  historyPath = join(stateDir, `${runTargetKey('scale-workers', sandbox.url)}.history.json`);
});
afterEach(() => sandbox.close());

const pk = SEEDED.activeIdleWorker;
const env = () => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', EVALAI_AUTOSCALER_STATE_DIR: stateDir });
const args = ['--scale-down-delay', '30m', '--challenge', String(pk), '--json'];
const stops = () => sandbox.requests.filter((r) => r.method === 'PUT' && r.path === `/api/challenges/${pk}/manage_worker/stop/`);
const history = (): HistoryFile => JSON.parse(readFileSync(historyPath, 'utf8')) as HistoryFile;
const outcomeOf = (stdout: string) => (JSON.parse(stdout) as { outcomes: Array<{ challengeId: number; action: string; status: string; reason: string }> }).outcomes.find((o) => o.challengeId === pk)!;

describe('--scale-down-delay across runs (the built bin, a state directory)', () => {
  it('keeps an idle worker while it has been idle less than the delay, then stops it', async () => {
    // An earlier run left a history that does not know the challenge yet.
    writeFileSync(historyPath, JSON.stringify({ version: 1, command: 'scale-workers', target: sandbox.url, updatedAt: new Date().toISOString(), challenges: {} }));

    const first = await runBin('scale-workers', args, env());
    expect(first.code).toBe(0);
    expect(stops()).toEqual([]);
    expect(outcomeOf(first.stdout)).toMatchObject({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/idle for 0 s of 30 min: kept$/) });
    expect(sandbox.state.challenges.get(pk)?.workers).toBe(1);
    const idleSince = history().challenges[String(pk)]?.idleSince;
    expect(Date.parse(idleSince!)).toBeGreaterThan(Date.now() - 60_000);

    // Time passes: the history says pending was first seen 0 thirty-one minutes ago.
    const h = history();
    h.challenges[String(pk)]!.idleSince = new Date(Date.now() - 31 * 60_000).toISOString();
    writeFileSync(historyPath, JSON.stringify(h));

    // A dry run reads the history (it would stop) and leaves the file as it was.
    const before = readFileSync(historyPath, 'utf8');
    const dry = await runBin('scale-workers', [...args, '--dry-run'], env());
    expect(outcomeOf(dry.stdout)).toMatchObject({ action: 'stop', status: 'planned', reason: expect.stringMatching(/idle for 31 min of 30 min$/) });
    expect(readFileSync(historyPath, 'utf8')).toBe(before);
    expect(stops()).toEqual([]);

    const second = await runBin('scale-workers', args, env());
    expect(second.code).toBe(0);
    expect(stops()).toHaveLength(1);
    expect(outcomeOf(second.stdout)).toMatchObject({ action: 'stop', status: 'done' });
    expect(sandbox.state.challenges.get(pk)?.workers).toBe(0);
    expect(history().challenges[String(pk)]?.lastAction).toMatchObject({ action: 'stop', status: 'done' });
  });

  it('a corrupt history is one warn line, and the run decides as without the option (stops at once)', async () => {
    writeFileSync(historyPath, '{"version":1,"chall');
    const r = await runBin('scale-workers', args, env());
    expect(r.code).toBe(0);
    const warns = r.logs.filter((l) => l.level === 40);
    expect(warns.map((l) => l.msg)).toEqual(['the history file is unusable: this run decides without history, as without --scale-down-delay and --min-uptime']);
    expect(stops()).toHaveLength(1);
    expect(outcomeOf(r.stdout).reason).toBe('no pending submissions, 1 worker up');
    expect(history().version).toBe(1); // written afresh
  });
});
