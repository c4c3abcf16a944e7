import { z } from '../runtime/zod.js';
import { describeIssues } from '../evalai/validate.js';
import { describeFetchError } from '../runtime/fetch-error.js';
import { formatDuration } from '../runtime/duration.js';
import { formatBytes } from '../evalai/read-body.js';
import type { Host, ProbeResult } from './host.js';
import { probeGet, type ProbeAnswer } from './probe-http.js';

/**
 * The optional health probe: a URL template per host (`http://{privateIp}:8080/status`) answering
 * JSON `{"healthy": true, "jobs": 2}` within a short timeout. Anything else (no answer in time, a
 * non-2xx status, not that JSON, more than `maxBytes`) is a failed probe, with a one-line reason.
 */
export interface ProbeOptions {
  urlTemplate: string;
  timeoutMs: number;
  /** The largest answer read, in bytes (after decompression); PROBE_MAX_BYTES when absent. */
  maxBytes?: number;
  /** Injected in tests: the probe asks through it. Absent: node:http(s) (probe-http.ts). */
  fetch?: typeof fetch;
}

/**
 * Probes in flight at once by default: 1,000 hosts answering in 50 ms take about 8 rounds, and at
 * most this many sockets (file descriptors) are open for them.
 */
export const PROBE_CONCURRENCY = 128;

/** An answer `{"healthy": true, "jobs": 2}` is a few dozen bytes: 64 KiB leaves room for any note. */
export const PROBE_MAX_BYTES = 64 * 1024;

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
  const limit = options.maxBytes ?? PROBE_MAX_BYTES;
  const got = options.fetch ? await fetchGet(options.fetch, target.url, options.timeoutMs, limit) : await probeGet(target.url, options.timeoutMs, limit);
  if (got.kind === 'timeout') return { ok: false, error: `${target.url}: no answer within ${options.timeoutMs < 1000 ? `${options.timeoutMs} ms` : formatDuration(options.timeoutMs)}` };
  if (got.kind === 'error') return { ok: false, error: `${target.url}: ${got.error}` };
  if (got.kind === 'too-large') return { ok: false, error: `${target.url} answered over ${formatBytes(limit)}: not read further` };
  if (got.status < 200 || got.status > 299) return { ok: false, error: `${target.url} answered HTTP ${got.status}` };
  let json: unknown;
  try {
    json = JSON.parse(got.body);
  } catch {
    return { ok: false, error: `${target.url} answered something that is not JSON` };
  }
  const parsed = answer.safeParse(json);
  if (!parsed.success) return { ok: false, error: `${target.url} answered ${describeIssues(parsed.error)}` };
  return { ok: true, healthy: parsed.data.healthy, jobs: parsed.data.jobs };
}

/** The same GET through an injected `fetch` (tests), with the same answers as probeGet. */
async function fetchGet(doFetch: typeof fetch, url: string, timeoutMs: number, limit: number): Promise<ProbeAnswer> {
  try {
    const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    const body = await readCapped(res, limit);
    return body === null ? { kind: 'too-large' } : { kind: 'answer', status: res.status, body };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout' };
    return { kind: 'error', error: describeFetchError(err) };
  }
}

/**
 * The body as text, or null once it passes `limit` bytes: a declared Content-Length over it is
 * refused before the body is read; otherwise the bytes are counted as they arrive (after fetch's
 * own decompression), and the stream is cancelled at the limit, which closes the connection.
 */
async function readCapped(res: Response, limit: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (!res.body) return '';
  if (Number.isFinite(declared) && declared > limit) {
    await res.body.cancel().catch(() => undefined);
    return null;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The probe function a tick uses, from the pool file's `probe`. */
export function httpProbe(options: ProbeOptions): (host: Host) => Promise<ProbeResult> {
  return (host) => probeHost(host, options);
}
