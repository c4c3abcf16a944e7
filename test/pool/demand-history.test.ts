import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { noteForecast } from '../../src/commands/scale-pool/forecast-log.js';
import type { PoolConfig } from '../../src/pool/config.js';
import { readDemandHistory, writeDemandHistory } from '../../src/pool/demand-history-file.js';
import { anticipatedHosts, EMPTY_DEMAND_HISTORY, forecastDemand, recordDemand, type DemandHistory } from '../../src/pool/demand-history.js';
import type { TickReport } from '../../src/pool/tick.js';
import type { Logger } from '../../src/runtime/logger.js';

const M = 60_000;
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'demand-history-'));

/** A day and a bit of 1-minute samples: n = 1, and 9 at 12:03 on day 0. */
function dayOfSamples(): DemandHistory {
  let h = EMPTY_DEMAND_HISTORY;
  for (let m = 0; m <= 1440 + 12 * 60; m++) h = recordDemand(h, m * M, m === 12 * 60 + 3 ? 9 : 1);
  return h;
}

describe('the pool demand history', () => {
  it('bounded: the oldest samples go beyond the maximum; a sample not after the last is ignored', () => {
    let h = EMPTY_DEMAND_HISTORY;
    for (let i = 1; i <= 10; i++) h = recordDemand(h, i * M, i, 4);
    expect(h.samples).toEqual([[7 * M, 7], [8 * M, 8], [9 * M, 9], [10 * M, 10]]);
    expect(recordDemand(h, 10 * M, 99, 4)).toBe(h);
  });
  it('forecast: the most seen lead-time ahead a day ago; none while shorter than a day', () => {
    const h = dayOfSamples();
    expect(forecastDemand(h, DAY + 12 * 60 * M, 3 * M, 1)).toBe(9); // 12:00 + 3 min, yesterday: 9
    expect(forecastDemand(h, DAY + 11 * 60 * M, 3 * M, 1)).toBe(1);
    const short = { samples: h.samples.slice(0, 600) };
    expect(forecastDemand(short, 599 * M, 3 * M, 1)).toBeNull();
  });
  it('forecast over days: one value per day at now + lead, combined by the statistic (p25 of 14 days: the 4th smallest)', () => {
    let h = EMPTY_DEMAND_HISTORY;
    // Day d (1..14 days before now) saw 15 - d jobs at 12:03; the gaps in between are quiet.
    const now = 14 * DAY + 12 * 60 * M;
    for (let d = 14; d >= 1; d--) {
      h = recordDemand(h, now + 3 * M - d * DAY - 30 * M, 0);
      h = recordDemand(h, now + 3 * M - d * DAY, 15 - d);
    }
    expect(forecastDemand(h, now, 3 * M, 14, 'max')).toBe(14);
    expect(forecastDemand(h, now, 3 * M, 14, 'p25')).toBe(4);
    expect(forecastDemand(h, now, 3 * M, 14, 'mean')).toBe(7.5);
    expect(forecastDemand(h, now, 3 * M, 3, 'p25')).toBe(12); // the last 3 days saw 14, 13, 12
  });
  it('forecast: a sample later than now is never read (no peeking)', () => {
    const h = recordDemand(dayOfSamples(), DAY + 12 * 60 * M + 2 * M, 50); // a "future" spike at 12:02 on day 1
    // now = 12:00 on day 1, lead 3 min, tolerance a day + 2 min wide: the window would include 12:02 if it read past now.
    expect(forecastDemand(h, DAY + 12 * 60 * M, 3 * M, 1, 'max', DAY + 2 * M)).toBeLessThan(50);
  });
  it('the anticipatory size is the pool rule for the larger of n and the forecast', () => {
    const policy = { minHosts: 0, maxHosts: 5, jobsPerHost: 1, maxLaunchesPerTick: 10, launchTimeoutMs: 0, unhealthyTimeoutMs: 0, minUptimeMs: 0, scaleDownDelayMs: 0, headroom: 'none' as const };
    expect(anticipatedHosts(2, 4, policy)).toBe(4);
    expect(anticipatedHosts(2, null, policy)).toBe(2);
    expect(anticipatedHosts(2, 40, policy)).toBe(5); // the cap stands
  });
  it('survives a restart in the state dir; a broken file is a warning and a new history', () => {
    const path = join(dir, 'h.json');
    writeDemandHistory(path, dayOfSamples());
    expect(readDemandHistory(path).history.samples).toHaveLength(1441 + 12 * 60);
    expect(statSync(path).size).toBeLessThan(100_000);
    writeFileSync(path, '{"v":1,"samples":[[1,"x"]]}');
    const bad = readDemandHistory(path);
    expect(bad.history.samples).toEqual([]);
    expect(bad.warning).toMatch(/not a demand history/);
  });
});

describe('scale-pool run, forecast-only mode (policy.forecast)', () => {
  const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  const logger = { info: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }), warn: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) } as unknown as Logger;
  const pool = { name: 'p', policy: { minHosts: 0, maxHosts: 10, jobsPerHost: 1, maxLaunchesPerTick: 10, launchTimeoutMs: 0, unhealthyTimeoutMs: 0, minUptimeMs: 0, scaleDownDelayMs: 0, headroom: 'none', forecast: { days: 1, leadMs: 3 * M } } } as unknown as PoolConfig;
  const report = (n: number, dryRun = false) => ({ dryRun, demand: { known: true, n, queued: n, inFlight: 0, source: 'sqs' }, desiredHosts: n, launches: { launched: [] } }) as unknown as TickReport;

  it('logs what anticipation would want beside what the tick did, and keeps the history across runs; acts on nothing', () => {
    const path = join(dir, 'run.demand-history.json');
    writeDemandHistory(path, dayOfSamples());
    noteForecast(pool, path, logger, report(1), DAY + 12 * 60 * M);
    const last = lines[lines.length - 1]!;
    expect(last.fields).toMatchObject({ forecastOnly: true, n: 1, forecast: 9, anticipatoryHosts: 9, desiredHosts: 1, launched: 0 });
    expect(last.msg).toMatch(/^forecast only: n=9 expected 3 min ahead .* anticipation would want 9 host\(s\), the tick wanted 1 and launched 0$/);
    expect(readDemandHistory(path).history.samples.at(-1)).toEqual([DAY + 12 * 60 * M, 1]);
  });
  it('nothing on a dry run; off without policy.forecast', () => {
    const path = join(dir, 'dry.json');
    const before = lines.length;
    noteForecast(pool, path, logger, report(3, true), DAY);
    noteForecast({ ...pool, policy: { ...pool.policy, forecast: undefined } } as unknown as PoolConfig, path, logger, report(3), DAY);
    expect(lines.length).toBe(before);
    expect(() => readFileSync(path)).toThrow();
  });
});
