import type { Demand } from '../../src/pool/demand/demand.js';
import type { Host } from '../../src/pool/host.js';
import { POLICY_DEFAULTS, type PoolPolicy } from '../../src/pool/policy.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

/** A host that has been in `state` for an hour, launched an hour ago, running, no probe. */
export function host(id: string, state: Host['state'], more: Partial<Host> = {}): Host {
  return { id, state, since: NOW - HOUR, cloud: 'running', launchedAt: NOW - HOUR, ...more };
}

export const probed = (jobs: number, healthy = true): Host['probe'] => ({ ok: true, healthy, jobs });
export const probeDown: Host['probe'] = { ok: false, error: 'connect ECONNREFUSED 10.0.0.1:8080' };

export function demand(queued: number, inFlight = 0): Demand {
  return { known: true, n: queued + inFlight, queued, inFlight, source: 'sqs test' };
}

export const UNKNOWN: Demand = { known: false, reason: 'SQS GetQueueAttributes: throttled', source: 'sqs test' };

export function policy(more: Partial<PoolPolicy> = {}): PoolPolicy {
  return { minHosts: 1, maxHosts: 10, ...POLICY_DEFAULTS, ...more };
}

/** n ready hosts named r0, r1, … launched an hour ago (r0 oldest). */
export function readyHosts(n: number, more: Partial<Host> = {}): Host[] {
  return Array.from({ length: n }, (_, i) => host(`r${i}`, 'ready', { launchedAt: NOW - HOUR + i * 1000, ...more }));
}
