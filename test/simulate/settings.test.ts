import { describe, expect, it } from 'vitest';
import { changedKnobs, describeSetting, oneKnobVariants, parseCombination, type Setting } from '../../src/simulate/settings.js';
import { ConfigError } from '../../src/runtime/errors.js';

const M = 60_000;
const pool: Setting = { headroom: '2sqrt', scaleDownDelayMs: 15 * M, minUptimeMs: 10 * M, intervalMs: 5 * M, jobsPerHost: 2 };
const workers: Setting = { scaleDownDelayMs: 0, minUptimeMs: 0, intervalMs: 5 * M };

describe('fair comparisons: each compared setting differs from the configured one in one knob', () => {
  it('a pool: the two other headroom rules, the delay off, the min uptime off, a 1-minute tick, anticipation on; nothing else changes', () => {
    const v = oneKnobVariants(pool, 'pool');
    expect(v.map((x) => x.name)).toEqual(['headroom=sqrt', 'headroom=none', 'scale-down-delay=0', 'min-uptime=0', 'interval=1m', 'anticipate=14d-p25']);
    for (const x of v) {
      expect(x.changed).toHaveLength(1);
      expect(changedKnobs(pool, x.setting, 'pool')).toEqual(x.changed);
    }
  });
  it('workers with no hold: the delay and min uptime turned on (10m), a 1-minute tick, anticipation on (14d-p25, the rule docs/simulate.md recommends)', () => {
    const v = oneKnobVariants(workers, 'workers');
    expect(v.map((x) => x.name)).toEqual(['scale-down-delay=10m', 'min-uptime=10m', 'interval=1m', 'anticipate=14d-p25']);
    for (const x of v) expect(changedKnobs(workers, x.setting, 'workers')).toEqual(x.changed);
    expect(oneKnobVariants({ ...workers, intervalMs: M }, 'workers').map((x) => x.name)).toContain('interval=5m');
  });
  it('every row prints all its knobs', () => {
    expect(describeSetting(pool, 'pool')).toBe('headroom=2sqrt scale-down-delay=15m min-uptime=10m interval=5m jobs-per-host=2 anticipate=off');
    expect(describeSetting(workers, 'workers')).toBe('scale-down-delay=0 min-uptime=0 interval=5m anticipate=off keep-alive=fixed');
  });
  it('a combination asked for changes exactly the knobs it names', () => {
    const s = parseCombination('headroom=none, scale-down-delay=0', pool, 'pool', '--also');
    expect(changedKnobs(pool, s, 'pool')).toEqual(['headroom', 'scale-down-delay']);
    expect(parseCombination('headroom=3', pool, 'pool', '--also').headroom).toBe(3);
  });
  it('a bad knob or value is a ConfigError naming the flag', () => {
    expect(() => parseCombination('headroom=lots', pool, 'pool', '--also')).toThrow(ConfigError);
    expect(() => parseCombination('headroom=none', workers, 'workers', '--also')).toThrow(/--also: headroom=none: expected one of the knobs/);
    expect(() => parseCombination('interval=90s', pool, 'pool', '--also')).toThrow(/whole minutes/);
    expect(() => parseCombination('scale-down-delay', pool, 'pool', '--also')).toThrow(/expected knob=value/);
  });
});

describe('the anticipate knob', () => {
  it('Nd, with a statistic of the days and the rise: parsed, printed back, and for workers too', () => {
    const s = parseCombination('anticipate=14d-p25', pool, 'pool', '--also');
    expect(s).toMatchObject({ anticipateDays: 14, anticipateStat: 'p25' });
    expect(describeSetting(s, 'pool')).toContain('anticipate=14d-p25');
    expect(describeSetting(parseCombination('anticipate=7d-mean-rise', workers, 'workers', '--also'), 'workers')).toBe('scale-down-delay=0 min-uptime=0 interval=5m anticipate=7d-mean-rise keep-alive=fixed');
    expect(describeSetting(parseCombination('anticipate=7d-max', pool, 'pool', '--also'), 'pool')).toMatch(/ anticipate=7d$/);
    // turned off again, nothing of the statistic is left
    expect(changedKnobs(pool, parseCombination('anticipate=14d-p25,anticipate=off', pool, 'pool', '--also'), 'pool')).toEqual([]);
  });
  it('a bad value names what it expects', () => {
    expect(() => parseCombination('anticipate=14d-p0', pool, 'pool', '--also')).toThrow(/anticipate=14d-p0: expected off or Nd/);
    expect(() => parseCombination('anticipate=29d', workers, 'workers', '--also')).toThrow(ConfigError);
    expect(() => parseCombination('anticipate=7d-median', pool, 'pool', '--also')).toThrow(ConfigError);
  });
});

describe('the keep-alive knob (scale-workers)', () => {
  it('hybrid, with its percentiles and CV bound: parsed, printed back in full, fixed again leaves nothing', () => {
    expect(describeSetting(parseCombination('keep-alive=hybrid', workers, 'workers', '--also'), 'workers')).toMatch(/ keep-alive=hybrid-p5-p99-cv2$/);
    expect(parseCombination('keep-alive=hybrid-p0-p50-cv0', workers, 'workers', '--also')).toMatchObject({ keepAlive: { headPct: 0, tailPct: 50, minCv: 0 } });
    expect(changedKnobs(workers, parseCombination('keep-alive=hybrid,keep-alive=fixed', workers, 'workers', '--also'), 'workers')).toEqual([]);
  });
  it('a bad value names what it expects; a pool has no such knob', () => {
    expect(() => parseCombination('keep-alive=hybrid-p99-p5', workers, 'workers', '--also')).toThrow(/keep-alive=hybrid-p99-p5: expected fixed or hybrid/);
    expect(() => parseCombination('keep-alive=always', workers, 'workers', '--also')).toThrow(ConfigError);
    expect(() => parseCombination('keep-alive=hybrid', pool, 'pool', '--also')).toThrow(/one of the knobs/);
  });
});
