import type { Readable } from 'node:stream';
import type { AxiosInstance, AxiosResponse } from 'axios';
import { loadAxios } from './load-axios.js';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from '../runtime/logger.js';
import { HaltedError } from '../runtime/errors.js';
import { NETWORK_REASONS } from '../runtime/network-errors.js';
import { EvalAIError } from './errors.js';
import { BodyTooLargeError, formatBytes, readCappedBody, UnsupportedEncodingError } from './read-body.js';
import { errorForStatus } from './status-errors.js';
import { retryAfterMs, backoffMs } from './retry-policy.js';

const axios = loadAxios();

export type HttpMethod = 'GET' | 'PUT' | 'PATCH' | 'POST';

export interface TransportOptions {
  /** API_HOST_URL without a trailing slash. */
  baseUrl: string;
  token: string;
  timeoutMs: number;
  /** Attempts for a GET (1 = no retry). Writes are retried only when the server provably did nothing. */
  maxAttempts: number;
  logger: Logger;
  /** false in --dry-run: any mutating call is a bug and throws before leaving the process. */
  allowWrites: boolean;
  retryBaseMs?: number;
  /** Without `retryWaitBudgetMs`: a Retry-After longer than this is not waited for (the call fails as throttled). Default 30 s. */
  maxRetryAfterMs?: number;
  /**
   * How long the run may still wait (its deadline's time left): a 429's Retry-After is waited out
   * when it fits, however long, and not at all when it would end past it (the call fails as
   * throttled, saying so). Replaces `maxRetryAfterMs` when given.
   */
  retryWaitBudgetMs?: () => number;
  /** Settles with the reason when the run is told to stop (a signal): a retry wait ends at once and nothing more is sent. */
  stopped?: Promise<string>;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each attempt of a call to a user-throttled endpoint (client-side pacing). */
  beforeThrottledCall?: () => Promise<void>;
  /** Set once the run was told to stop: no mutating call leaves the process after that. */
  halted?: () => string | undefined;
  /** Largest response body read, before and after decompression (--max-response-bytes). */
  maxResponseBytes?: number;
  /** Mutating calls in flight at a time (--concurrency); reads are not held. Default: no limit. */
  writeConcurrency?: number;
}

/** 32 MiB: a challenge list page of 150 challenges is well under 1 MiB; a submission list may be large. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface RequestSpec {
  method: HttpMethod;
  /** A path under baseUrl (e.g. "/api/challenges/challenge/all/all/all"), or an absolute URL already checked. */
  path: string;
  /** Human name of the endpoint for errors and logs. */
  endpoint: string;
  params?: Record<string, string>;
  /** Sent form-encoded, as the upstream client does. */
  form?: Record<string, string>;
  /** Non-2xx statuses whose body is a domain answer rather than an error (the EC2 endpoints' 400). */
  acceptStatuses?: number[];
  /** Counts against the server's shared 60/min user budget (contract §1.3). */
  throttled?: boolean;
  /** Another bearer token for this call (a challenge host's token). */
  token?: string;
  /**
   * Only staff may call this endpoint and the view checks that first: a "not authorized" answer
   * means the run's token is not a staff token (a run-level error), not a refusal for this challenge.
   */
  staffOnly?: boolean;
  /** A smaller body cap for an endpoint whose answer is known to be small; never above the run's. */
  maxBytes?: number;
}

export interface Response {
  status: number;
  body: unknown;
  text: string;
}


/** Network errors after which the server cannot have acted on the request. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * 429s in a row waited out for one call. They do not count against `maxAttempts` (being throttled
 * is the server pacing us, not failing), and each wait fits in the deadline; this only bounds a
 * server that answers 429 with `Retry-After: 0` forever.
 */
const MAX_THROTTLED_WAITS = 20;

/** The same error with a note on why it was not retried. */
function withNote(err: EvalAIError, note: string): EvalAIError {
  const text = err.message.startsWith(`${err.endpoint}: `) ? err.message.slice(err.endpoint.length + 2) : err.message;
  return new EvalAIError(err.kind, err.endpoint, `${text.replace(/\.$/, '')}; ${note}`, err.status, err.notSent);
}

/**
 * The HTTP edge: one axios instance per run, bearer auth, a timeout on every request, redirects
 * never followed, bodies parsed here (error bodies may be HTML), GET retried with backoff and jitter
 * on network errors, 5xx and 429 (Retry-After honoured). Nothing here logs a header or the token.
 */
export class Transport {
  private readonly http: AxiosInstance;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retryBaseMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxResponseBytes: number;
  private readonly writeLimit: LimitFunction | undefined;
  readonly origin: string;

  constructor(private readonly opts: TransportOptions) {
    this.sleep = opts.sleep ?? defaultSleep;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.origin = new URL(opts.baseUrl).origin;
    this.writeLimit = opts.writeConcurrency ? pLimit(opts.writeConcurrency) : undefined;
    this.http = axios.create({
      adapter: 'http',
      baseURL: opts.baseUrl,
      timeout: opts.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      // The body is read here (readCappedBody), so that its size is capped before and after
      // decompression: axios would otherwise inflate a gzip bomb into memory.
      responseType: 'stream',
      decompress: false,
      transformResponse: [(data: unknown) => data],
      headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip, deflate, br', 'User-Agent': 'evalai-autoscaler' },
    });
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  /**
   * Waits for the client-side pacer as a throttled call would, and counts one call. For calls that
   * must follow each other without a pacing wait in between (a re-check and the cancel it guards):
   * pace for both first, then send them with `throttled: false`.
   */
  async pace(): Promise<void> {
    await this.opts.beforeThrottledCall?.();
  }

  /**
   * One call, retried as its method allows. Reads go out at once (their width is the caller's);
   * writes wait for one of `writeConcurrency` slots, so observing many challenges at a time never
   * sends more than that many changes at a time.
   */
  request(spec: RequestSpec): Promise<Response> {
    if (spec.method !== 'GET' && this.writeLimit) return this.writeLimit(() => this.attempt(spec));
    return this.attempt(spec);
  }

  private async attempt(spec: RequestSpec): Promise<Response> {
    const mutating = spec.method !== 'GET';
    if (mutating && !this.opts.allowWrites) {
      throw new Error(`internal error: ${spec.method} ${spec.endpoint} attempted in a read-only (dry) run`);
    }
    const maxAttempts = Math.max(1, this.opts.maxAttempts);
    let throttledWaits = 0;
    for (let attempt = 1; ; attempt++) {
      if (spec.throttled && this.opts.beforeThrottledCall) await this.opts.beforeThrottledCall();
      const halted = mutating ? this.opts.halted?.() : undefined;
      if (halted !== undefined) throw new HaltedError(halted);
      const started = Date.now();
      const limit = Math.min(spec.maxBytes ?? Infinity, this.maxResponseBytes);
      let res: AxiosResponse<Readable>;
      let text: string;
      try {
        res = await this.send(spec);
        text = await readCappedBody(res.data, res.headers as Record<string, unknown>, limit);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          this.opts.logger.debug({ endpoint: spec.endpoint, method: spec.method, attempt, limit, stage: err.stage }, 'response body over the cap');
          const stage = err.stage === 'declared' ? ' (by its Content-Length)' : err.stage === 'decompressed' ? ' once decompressed' : '';
          throw new EvalAIError(
            'malformed-response',
            spec.endpoint,
            `malformed response: the body is larger than ${formatBytes(limit)}${stage}; not read (raise --max-response-bytes if this is real)`,
          );
        }
        if (err instanceof UnsupportedEncodingError) {
          throw new EvalAIError('malformed-response', spec.endpoint, `malformed response: ${err.message}`);
        }
        const code = networkCode(err);
        const reason = describeNetworkError(err, this.opts.timeoutMs);
        const retriable = !mutating || NOT_SENT.has(code);
        this.opts.logger.debug({ endpoint: spec.endpoint, method: spec.method, attempt, error: reason }, 'request failed');
        if (retriable && attempt < maxAttempts) {
          await this.sleep(backoffMs(attempt, this.retryBaseMs));
          continue;
        }
        throw new EvalAIError('unreachable', spec.endpoint, `EvalAI unreachable at ${this.origin}: ${reason}`, undefined, NOT_SENT.has(code));
      }
      const status = res.status;
      this.opts.logger.debug(
        { endpoint: spec.endpoint, method: spec.method, path: spec.path, status, ms: Date.now() - started, attempt },
        'request',
      );
      if ((status >= 200 && status < 300) || spec.acceptStatuses?.includes(status)) {
        return { status, body: parseJson(spec.endpoint, status, text), text };
      }
      const body = tryParseJson(text);
      const error = errorForStatus(spec.endpoint, status, body, text, res.headers as Record<string, unknown>, { staffOnly: spec.staffOnly });
      if (status === 429) {
        // DRF throttles before the view runs: the server did nothing, so a write is retried too.
        const wait = retryAfterMs(res.headers['retry-after'], this.retryBaseMs);
        const budget = this.opts.retryWaitBudgetMs?.() ?? this.maxRetryAfterMs;
        if (wait > budget) {
          const why = this.opts.retryWaitBudgetMs ? `the run's deadline is ${Math.floor(budget / 1000)} s away` : `longer than ${Math.round(this.maxRetryAfterMs / 1000)} s`;
          throw withNote(error, `not waited: ${why}`);
        }
        // Without a deadline to bound the waits (a caller that gives none), 429s use up the attempts as before.
        if (!this.opts.retryWaitBudgetMs && attempt >= maxAttempts) throw error;
        if (throttledWaits >= MAX_THROTTLED_WAITS) throw withNote(error, `still throttled after ${throttledWaits} waits`);
        throttledWaits++;
        this.opts.logger.debug({ endpoint: spec.endpoint, method: spec.method, waitMs: wait }, 'throttled: waiting out Retry-After');
        const stopped = await this.waitUnlessStopped(wait);
        if (stopped !== undefined) throw withNote(error, `not retried: ${stopped}`);
        if (this.opts.retryWaitBudgetMs) attempt--; // a throttled attempt is not one of the attempts for errors
        continue;
      }
      if (!mutating && status >= 500 && attempt < maxAttempts) {
        const stopped = await this.waitUnlessStopped(backoffMs(attempt, this.retryBaseMs));
        if (stopped !== undefined) throw withNote(error, `not retried: ${stopped}`);
        continue;
      }
      throw error;
    }
  }

  /** Sleeps `ms`, or less when the run is told to stop: then resolves with the reason. */
  private async waitUnlessStopped(ms: number): Promise<string | undefined> {
    if (!this.opts.stopped) {
      await this.sleep(ms);
      return undefined;
    }
    return Promise.race([this.sleep(ms).then(() => undefined), this.opts.stopped]);
  }

  private send(spec: RequestSpec): Promise<AxiosResponse<Readable>> {
    const token = spec.token ?? this.opts.token;
    return this.http.request<Readable>({
      method: spec.method,
      url: spec.path,
      params: spec.params,
      data: spec.form ? new URLSearchParams(spec.form).toString() : undefined,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(spec.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      // Total deadline as well: axios's own timeout only watches for an idle socket.
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
  }
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseJson(endpoint: string, status: number, text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    const what = /^\s*</.test(text) ? 'an HTML page' : 'invalid JSON';
    throw new EvalAIError('malformed-response', endpoint, `HTTP ${status} answered with ${what} instead of JSON`, status);
  }
}

function networkCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return '';
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  const code = networkCode(err);
  if (code === 'ECONNABORTED' || code === 'ERR_CANCELED' || (err as Error)?.name === 'TimeoutError') {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_')) {
    return 'TLS handshake failed: is the server plain HTTP? check the scheme of API_HOST_URL (http:// or https://)';
  }
  return NETWORK_REASONS[code] ?? (code ? `network error ${code}` : 'network error');
}
