import { join } from 'node:path';
import type { Logger } from '../../runtime/logger.js';
import type { PoolConfig } from '../../pool/config.js';
import { readDemandHistory, writeDemandHistory } from '../../pool/demand-history-file.js';
import { anticipatedHosts, forecastDemand, recordDemand } from '../../pool/demand-history.js';
import type { TickReport } from '../../pool/tick.js';
import { describeError } from '../../runtime/errors.js';

/** `<state dir>/<run key>.<pool>.demand-history.json`, next to the pool state file. */
export function demandHistoryPath(stateDir: string, key: string, pool: string): string {
  return join(stateDir, `${key}.${pool}.demand-history.json`);
}

/**
 * Forecast-only mode (`policy.forecast`): after a tick, appends its demand to the pool's history and
 * logs what the anticipatory policy would have wanted beside what the tick did. Never acts, never
 * fails the pool: a history that cannot be read or written is a warning. Nothing on a dry run or an
 * unknown demand.
 */
export function noteForecast(pool: PoolConfig, path: string, logger: Logger, report: TickReport, now: number): void {
  const f = pool.policy.forecast;
  if (!f || report.dryRun || !report.demand?.known) return;
  const read = readDemandHistory(path);
  if (read.warning) logger.warn({ pool: pool.name }, read.warning);
  const history = recordDemand(read.history, now, report.demand.n);
  const forecast = forecastDemand(history, now, f.leadMs, f.days, f.stat);
  const would = anticipatedHosts(report.demand.n, forecast, pool.policy);
  const fields = { pool: pool.name, forecastOnly: true, n: report.demand.n, forecast, anticipatoryHosts: would, desiredHosts: report.desiredHosts, launched: report.launches.launched.length, samples: history.samples.length };
  logger.info(fields, forecast === null
    ? `forecast only: the demand history does not reach a day back (${history.samples.length} sample(s)): no forecast yet`
    : `forecast only: n=${forecast} expected ${Math.round(f.leadMs / 60_000)} min ahead (the ${f.stat} of what the last ${f.days} day(s) saw then); anticipation would want ${would} host(s), the tick wanted ${report.desiredHosts ?? 'unknown'} and launched ${report.launches.launched.length}`);
  try {
    writeDemandHistory(path, history);
  } catch (err) {
    logger.warn({ pool: pool.name }, `could not write the demand history ${path}: ${describeError(err)}`);
  }
}
