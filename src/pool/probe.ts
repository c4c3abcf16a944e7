import { z } from 'zod';
import { describeIssues } from '../evalai/validate.js';
import { describeFetchError } from '../runtime/fetch-error.js';
import { formatDuration } from '../runtime/duration.js';
import type { Host, ProbeResult } from './host.js';

/**
 * The optional health probe: a URL template per host (`http://{privateIp}:8080/status`) answering
 * JSON `{"healthy": true, "jobs": 2}` within a short timeout. Anything else (no answer in time, a
 * non-2xx status, not that JSON) is a failed probe, with a one-line reason.
 */
export interface ProbeOptions {
  urlTemplate: string;
  timeoutMs: number;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

const answer = z.object({ healthy: z.boolean(), jobs: z.number().int().nonnegative() });

/** The URL for a host, or why there is none (no private IP yet). */
export function probeUrl(template: string, host: Pick<Host, 'id' | 'privateIp' | 'publicIp'>): { url: string } | { error: string } {
  const values: Record<string, string | undefined> = { privateIp: host.privateIp, publicIp: host.publicIp, instanceId: host.id };
  let missing: string | undefined;
  const url = template.replace(/\{(privateIp|publicIp|instanceId)\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) missing = key;
    return v ?? '';
  });
  return missing ? { error: `no ${missing} for ${host.id}` } : { url };
}

export async function probeHost(host: Host, options: ProbeOptions): Promise<ProbeResult> {
  const target = probeUrl(options.urlTemplate, host);
  if ('error' in target) return { ok: false, error: target.error };
  const doFetch = options.fetch ?? fetch;
  try {
    const res = await doFetch(target.url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: 'application/json' } });
    const body = await res.text();
    if (!res.ok) return { ok: false, error: `${target.url} answered HTTP ${res.status}` };
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ok: false, error: `${target.url} answered something that is not JSON` };
    }
    const parsed = answer.safeParse(json);
    if (!parsed.success) return { ok: false, error: `${target.url} answered ${describeIssues(parsed.error)}` };
    return { ok: true, healthy: parsed.data.healthy, jobs: parsed.data.jobs };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, error: `${target.url}: no answer within ${options.timeoutMs < 1000 ? `${options.timeoutMs} ms` : formatDuration(options.timeoutMs)}` };
    return { ok: false, error: `${target.url}: ${describeFetchError(err)}` };
  }
}

/** The probe function a tick uses, from the pool file's `probe`. */
export function httpProbe(options: ProbeOptions): (host: Host) => Promise<ProbeResult> {
  return (host) => probeHost(host, options);
}
