import { z } from '../runtime/zod.js';
import { pendingFromMetrics, type PendingCount } from '../core/pending.js';
import { EvalAIError } from './errors.js';
import { paths } from './paths.js';
import type { Transport } from './transport.js';
import { validate } from './validate.js';

const metricsSchema = z.record(z.string(), z.unknown());

/** Ten status counts are a few hundred bytes: 1 MiB (or the run's smaller cap) is far more than enough. */
export const METRICS_MAX_BYTES = 1024 * 1024;

/**
 * Pending submissions of one challenge from the staff-only, unthrottled metrics-by-pk endpoint
 * (contract §2.5), through the shared calculator. Malformed counts are an error for this challenge.
 */
export async function getPendingSubmissions(transport: Transport, pk: number): Promise<PendingCount> {
  const endpoint = `submission metrics of challenge ${pk}`;
  const res = await transport.request({ method: 'GET', path: paths.metricsByPk(pk), endpoint, maxBytes: METRICS_MAX_BYTES, staffOnly: true });
  const metrics = validate(metricsSchema, res.body, endpoint);
  const result = pendingFromMetrics(metrics);
  if (!result.ok) throw new EvalAIError('malformed-response', endpoint, `malformed response: ${result.problem}`);
  return result.pending;
}

/** The raw status counts (all ten statuses), for commands that look at more than pending. */
export async function getSubmissionMetrics(transport: Transport, pk: number): Promise<Record<string, unknown>> {
  const endpoint = `submission metrics of challenge ${pk}`;
  const res = await transport.request({ method: 'GET', path: paths.metricsByPk(pk), endpoint, maxBytes: METRICS_MAX_BYTES, staffOnly: true });
  return validate(metricsSchema, res.body, endpoint);
}
