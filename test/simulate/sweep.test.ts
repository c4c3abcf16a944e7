import { describe, expect, it } from 'vitest';
import { changedKnobs, describeSetting, type Setting } from '../../src/simulate/settings.js';
import { sweepGrid } from '../../src/simulate/sweep.js';
import { pasteable } from '../../src/simulate/sweep-report.js';
import { ConfigError } from '../../src/runtime/errors.js';

const M = 60_000;
const pool: Setting = { headroom: '2sqrt', scaleDownDelayMs: 15 * M, minUptimeMs: 10 * M, intervalMs: 5 * M, jobsPerHost: 2 };
const workers: Setting = { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: 5 * M };

describe('the sweep grid', () => {
  it('a pool: every combination of headroom, scale-down delay, min uptime and interval; jobs per host stays', () => {
    const { settings } = sweepGrid('pool', pool);
    expect(settings[0]).toBe(pool);
    // 5 headrooms x 6 delays x 3 min uptimes x 3 intervals, plus the configured one (15m delay is in the grid, 10m uptime too, 5m interval too: it is one of them)
    expect(settings).toHaveLength(5 * 6 * 3 * 3);
    expect(new Set(settings.map((s) => describeSetting(s, 'pool'))).size).toBe(settings.length);
    expect(settings.every((s) => s.jobsPerHost === 2)).toBe(true);
  });
  it('jobs per host only when --grid asks for it', () => {
    const { settings } = sweepGrid('pool', pool, ['jobs-per-host=1,2,4', 'headroom=none', 'scale-down-delay=0', 'min-uptime=0', 'interval=1m']);
    expect(settings.map((s) => s.jobsPerHost)).toEqual([2, 1, 2, 4]);
    expect(changedKnobs(pool, settings[1]!, 'pool')).toEqual(['headroom', 'scale-down-delay', 'min-uptime', 'interval', 'jobs-per-host']);
  });
  it('workers: scale-down delay x min uptime x interval, the configured setting first and not repeated', () => {
    const { settings } = sweepGrid('workers', workers);
    expect(settings).toHaveLength(7 * 3 * 4);
    expect(settings[0]).toBe(workers);
    expect(settings.filter((s) => changedKnobs(workers, s, 'workers').length === 0)).toHaveLength(1);
  });
  it('a configured setting outside the grid is run too', () => {
    const odd = { ...workers, scaleDownDelayMs: 7 * M };
    const { settings } = sweepGrid('workers', odd, ['scale-down-delay=0,5m', 'min-uptime=0', 'interval=5m']);
    expect(settings.map((s) => s.scaleDownDelayMs)).toEqual([7 * M, 0, 5 * M]);
  });
  it('a bad --grid is a ConfigError', () => {
    expect(() => sweepGrid('workers', workers, ['headroom=none'])).toThrow(ConfigError);
    expect(() => sweepGrid('pool', pool, ['interval'])).toThrow(/expected knob=v1,v2/);
    expect(() => sweepGrid('pool', pool, ['interval=30s'])).toThrow(/whole minutes/);
  });
});

describe('what to paste when the recommended setting anticipates', () => {
  const M = 60_000;
  it('says that anticipation runs in simulate only, for workers and pools, and keeps the rest of the setting', () => {
    const w = pasteable('workers', { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: M, anticipateDays: 14, anticipateStat: 'p25' });
    expect(w.text).toContain('--scale-down-delay 0 --min-uptime 0');
    expect(w.text).toMatch(/anticipate=14d-p25 is simulate's only/);
    expect(w.json).toMatchObject({ anticipate: '14d-p25', anticipateRunsIn: 'simulate only' });
    const p = pasteable('pool', { headroom: 'none', scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: M, jobsPerHost: 2, anticipateDays: 14, anticipateStat: 'p25' });
    expect(p.text).toMatch(/anticipate=14d-p25 is simulate's only/);
    expect(pasteable('pool', { headroom: 'none', scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: M }).text).not.toContain('anticipate');
  });
  it('says that the hybrid keep-alive runs in simulate only too, with the rest of the setting', () => {
    const w = pasteable('workers', { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: M, keepAlive: { headPct: 5, tailPct: 99, minCv: 2 } });
    expect(w.text).toContain('--scale-down-delay 0 --min-uptime 0');
    expect(w.text).toMatch(/keep-alive=hybrid-p5-p99-cv2 is simulate's only/);
    expect(w.json).toMatchObject({ keepAlive: 'hybrid-p5-p99-cv2', keepAliveRunsIn: 'simulate only' });
    expect(pasteable('workers', { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: M }).text).not.toContain('keep-alive');
  });
});
