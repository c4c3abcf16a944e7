import { homedir } from 'node:os';
import { ConfigError } from '../runtime/errors.js';
import type { Env } from '../runtime/env.js';

/** Where a run publishes its metrics; both absent: nowhere. */
export interface MetricsConfig {
  /** The textfile path; `{command}` and `{target}` in it are replaced by the run's. */
  file?: string;
  /** The Pushgateway base URL. */
  pushgateway?: string;
  /** Settings from the environment a dry run does not use (only its flags publish a dry run). */
  ignoredInDryRun: string[];
}

export interface MetricsFlags {
  metricsFile?: string;
  pushgateway?: string;
}

/**
 * --metrics-file (env METRICS_FILE) and --pushgateway (env PUSHGATEWAY_URL). A dry run publishes
 * only where its own flags say, never to the destinations in the environment, so that trying a
 * command out does not overwrite what the real runs reported.
 */
export function loadMetricsConfig(flags: MetricsFlags, env: Env, dryRun: boolean): MetricsConfig {
  const ignoredInDryRun: string[] = [];
  const pick = (flag: string | undefined, name: string): string | undefined => {
    if (flag !== undefined) return flag.trim() || undefined;
    const value = env[name]?.trim() || undefined;
    if (value && dryRun) {
      ignoredInDryRun.push(name);
      return undefined;
    }
    return value;
  };
  const file = pick(flags.metricsFile, 'METRICS_FILE');
  const pushgateway = pick(flags.pushgateway, 'PUSHGATEWAY_URL');
  return {
    ...(file ? { file: file === '~' || file.startsWith('~/') ? homedir() + file.slice(1) : file } : {}),
    ...(pushgateway ? { pushgateway: parsePushgatewayUrl(pushgateway) } : {}),
    ignoredInDryRun,
  };
}

/** An http(s) URL without query or fragment; the message never repeats credentials it holds. */
export function parsePushgatewayUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('PUSHGATEWAY_URL (or --pushgateway) is not a URL (expected e.g. http://127.0.0.1:9091)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`PUSHGATEWAY_URL (or --pushgateway) must be http or https, not ${url.protocol}`);
  if (url.search || url.hash) throw new ConfigError('PUSHGATEWAY_URL (or --pushgateway) must not contain a query or fragment');
  return url.toString().replace(/\/+$/, '');
}
