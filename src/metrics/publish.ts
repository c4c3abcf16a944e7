import type { Logger } from 'pino';
import type { RunReport } from '../core/report.js';
import type { MetricsConfig } from './config.js';
import { challengeMetrics } from './challenge-metrics.js';
import { pushToGateway, redactUrl } from './pushgateway.js';
import { buildRegistry, type MetricsPart, type RunLabels } from './registry.js';
import { runMetrics, type RunFacts } from './run-metrics.js';
import { writeFileAtomically } from '../runtime/atomic-file.js';

/** How long a push may take before it is given up (the run's report is already written). */
export const PUSH_TIMEOUT_MS = 10_000;

export interface PublishOptions extends MetricsConfig, RunFacts {
  /** The run target key (`scale-workers@eval.ai-1a2b3c4d`), as in the lock and status file names. */
  target: string;
  logger: Logger;
  pushTimeoutMs?: number;
}

/** The labels of a run: its command, and its target key without the command. */
export function runLabels(command: string, targetKey: string): RunLabels {
  const prefix = `${command}@`;
  return { command, target: targetKey.startsWith(prefix) ? targetKey.slice(prefix.length) : targetKey };
}

/** A run's registry: its own gauges and its challenges'. */
export function reportParts(report: RunReport, facts: RunFacts): MetricsPart[] {
  return [runMetrics(report, facts), challengeMetrics(report.outcomes)];
}

/**
 * Writes the run's metrics to the textfile and pushes them to the Pushgateway, where configured.
 * Pure reporting: a failure is one warn line, never an exception, and never changes the exit code.
 */
export async function publishMetrics(report: RunReport, opts: PublishOptions): Promise<void> {
  await publishParts(runLabels(report.command, opts.target), reportParts(report, opts), opts);
}

/** The same for any set of parts (scale-pool adds its own). */
export async function publishParts(labels: RunLabels, parts: MetricsPart[], opts: Omit<PublishOptions, keyof RunFacts | 'target'>): Promise<void> {
  const { logger } = opts;
  if (opts.ignoredInDryRun.length) {
    logger.info({ ignored: opts.ignoredInDryRun }, `dry run: metrics not published to ${opts.ignoredInDryRun.join(' or ')} (pass --metrics-file or --pushgateway to publish a dry run)`);
  }
  if (!opts.file && !opts.pushgateway) return;
  let text: string;
  let registry;
  try {
    registry = buildRegistry(labels, parts);
    text = await registry.metrics();
  } catch (err) {
    logger.warn({ error: message(err) }, 'could not build the metrics; none published');
    return;
  }
  if (opts.file) {
    const path = opts.file.replaceAll('{command}', labels.command).replaceAll('{target}', labels.target);
    try {
      writeFileAtomically(path, text);
    } catch (err) {
      logger.warn({ path, error: message(err) }, 'could not write the metrics file');
    }
  }
  if (opts.pushgateway) {
    try {
      await pushToGateway(opts.pushgateway, registry, labels, opts.pushTimeoutMs ?? PUSH_TIMEOUT_MS);
    } catch (err) {
      const url = redactUrl(opts.pushgateway);
      logger.warn({ pushgateway: url, error: scrubUrl(message(err), opts.pushgateway) }, 'could not push the metrics to the Pushgateway');
    }
  }
}

function message(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

/** Removes the URL's password from a message, in case an error repeats the URL. */
function scrubUrl(text: string, url: string): string {
  try {
    const { password } = new URL(url);
    return password ? text.replaceAll(password, '[REDACTED]').replaceAll(decodeURIComponent(password), '[REDACTED]') : text;
  } catch {
    return text;
  }
}
