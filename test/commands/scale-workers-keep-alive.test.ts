import { describe, expect, it } from 'vitest';
import { decideWorkers } from '../../src/commands/scale-workers/decide.js';
import { HYBRID_DEFAULTS, keepAliveWindows, recordIdle, type HybridKeepAlive } from '../../src/commands/scale-workers/keep-alive.js';
import type { ScaleWorkersPolicy } from '../../src/commands/scale-workers/policy.js';
import type { ChallengeMemory } from '../../src/state/memory.js';
import { aChallenge, NOW } from '../builders.js';

const M = 60_000;
const cfg: HybridKeepAlive = { ...HYBRID_DEFAULTS, bootMs: 3 * M };
const hybrid: ScaleWorkersPolicy = { mode: 'prod', includeEc2: false, keepAlive: cfg };
const ago = (min: number) => NOW.minus({ minutes: min }).toISO()!;
const mem = (m: Partial<ChallengeMemory> = {}): ChallengeMemory => ({ lastSeenAt: ago(1), ...m });
/** A challenge whose submissions came about an hour apart: 20 idle times of 55 to 57 min. */
const hourly = Array.from({ length: 20 }, (_, i) => (55 + (i % 3)) * M);

describe('keepAliveWindows: the hybrid histogram policy of "Serverless in the Wild"', () => {
  it('from a concentrated histogram: start boot-time before its head (less the margin), stop after its tail (plus the margin)', () => {
    const w = keepAliveWindows(hourly, cfg);
    expect(w.use).toBe(true);
    if (!w.use) return;
    expect(w.startAtMs).toBe(55 * M * 0.9 - 3 * M); // p5 = 55 min
    expect(w.stopAtMs).toBeCloseTo(57 * M * 1.1); // p99 = 57 min
  });
  it('too few idle times, too many out of range, or a flat histogram: not used (the fixed hold applies)', () => {
    expect(keepAliveWindows(hourly.slice(0, 9), cfg)).toMatchObject({ use: false, reason: '9 idle times known, 10 needed' });
    expect(keepAliveWindows([...hourly.slice(0, 5), ...Array<number>(15).fill(5 * 3_600_000)], cfg)).toMatchObject({ use: false, reason: '15 of 20 idle times out of the histogram\'s range' });
    const flat = Array.from({ length: 240 }, (_, i) => i * M + 1000); // one in every 1-minute bin
    expect(keepAliveWindows(flat, cfg)).toMatchObject({ use: false, reason: expect.stringMatching(/too spread/) });
    expect(keepAliveWindows(flat, { ...cfg, minCv: 0 }).use).toBe(true);
  });
  it('never keeps a worker beyond the histogram\'s range', () => {
    const w = keepAliveWindows(Array<number>(20).fill(3.9 * 3_600_000), cfg);
    expect(w.use && w.stopAtMs).toBe(cfg.rangeMs);
  });
  it('keeps the last maxSamples idle times', () => {
    expect(recordIdle([1, 2, 3], 4, 3)).toEqual([2, 3, 4]);
    expect(recordIdle([1], -5, 3)).toEqual([1, 0]);
  });
});

describe('decideWorkers with the hybrid keep-alive', () => {
  const rows: Array<[string, number, number, ChallengeMemory, string, RegExp]> = [
    ['worker up, just idle, next submission predicted far off -> stopped right away', 1, 0, mem({ idleSince: ago(1) }), 'stop', /idle for 1 min; idle-time histogram \(20\): up from 47 min to 63 min idle$/],
    ['no worker, idle 48 min: within the window -> pre-warm start', 0, 0, mem({ idleSince: ago(48) }), 'start', /^pre-warm: no pending submissions, no worker, idle for 48 min/],
    ['no worker, idle 30 min: before the window -> nothing', 0, 0, mem({ idleSince: ago(30) }), 'none', /^idle: no pending submissions, no worker/],
    ['worker up, idle 50 min: within the window -> kept', 1, 0, mem({ idleSince: ago(50) }), 'none', /idle for 50 min; .*: kept$/],
    ['worker up, idle 70 min: past the tail -> stop', 1, 0, mem({ idleSince: ago(70) }), 'stop', /idle for 70 min/],
    ['no worker, idle 70 min: past the tail -> no pre-warm', 0, 0, mem({ idleSince: ago(70) }), 'none', /^idle/],
    ['pending -> start, as always', 0, 1, mem({ idleSince: ago(1) }), 'start', /1 pending submission and no worker/],
  ];
  it.each(rows)('%s', (_name, workers, pending, memory, action, reason) => {
    const d = decideWorkers(aChallenge({ workers }), pending, hybrid, NOW, memory, hourly);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });
  it('--min-uptime still keeps a worker the windows would stop', () => {
    const d = decideWorkers(aChallenge({ workers: 1 }), 0, { ...hybrid, minUptimeMs: 15 * M }, NOW, mem({ idleSince: ago(1), startedAt: ago(5) }), hourly);
    expect(d).toMatchObject({ action: 'none', reason: expect.stringMatching(/up for 5 min of 15 min minimum: kept/) });
  });
  it('off by default, or with too short a history: the decisions of the fixed hold', () => {
    const held: ScaleWorkersPolicy = { ...hybrid, scaleDownDelayMs: 10 * M };
    expect(decideWorkers(aChallenge({ workers: 0 }), 0, { mode: 'prod', includeEc2: false }, NOW, mem({ idleSince: ago(48) }), hourly).action).toBe('none');
    expect(decideWorkers(aChallenge({ workers: 1 }), 0, held, NOW, mem({ idleSince: ago(1) }), hourly.slice(0, 3))).toMatchObject({ action: 'none', reason: expect.stringMatching(/idle for 1 min of 10 min: kept/) });
    expect(decideWorkers(aChallenge({ workers: 0 }), 0, held, NOW, mem({ idleSince: ago(48) }), hourly.slice(0, 3)).action).toBe('none');
  });
});
