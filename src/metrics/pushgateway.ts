import { Pushgateway, type Registry } from 'prom-client';
import type { RunLabels } from './registry.js';

/** The Pushgateway job label of every group this tool pushes. */
export const PUSH_JOB = 'evalai_autoscaler';

/**
 * Replaces the group job=evalai_autoscaler/command/target on the Pushgateway with the registry's
 * metrics (HTTP PUT: series the run no longer has, such as a challenge that ended, disappear).
 * Credentials in the URL are sent as HTTP basic auth. Rejects on a refused connection, an HTTP
 * error or after `timeoutMs`.
 */
export async function pushToGateway(url: string, registry: Registry, labels: RunLabels, timeoutMs: number): Promise<void> {
  const gateway = new Pushgateway(url, { timeout: timeoutMs }, registry);
  await gateway.push({ jobName: PUSH_JOB, groupings: { command: labels.command, target: labels.target } });
}

/** The URL as it may be logged: without user and password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
