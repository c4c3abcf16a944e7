import { describeError } from './errors.js';
import { NETWORK_REASONS } from './network-errors.js';

/**
 * Why a fetch() failed, in the words an operator reads: Node's fetch throws "fetch failed" and
 * keeps the reason in `cause` (a system error with a code, an AggregateError of them, or undici's
 * own error such as "bad port"). "connection refused (ECONNREFUSED 127.0.0.1:8265)", not "fetch failed".
 */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: unknown } | null)?.cause as { code?: unknown; message?: unknown; errors?: unknown } | undefined;
  const first = Array.isArray(cause?.errors) ? (cause.errors[0] as { code?: unknown; message?: unknown } | undefined) : undefined;
  const source = typeof cause?.code === 'string' ? cause : typeof first?.code === 'string' ? first : undefined;
  if (source && typeof source.code === 'string') {
    const code = source.code;
    const where = typeof source.message === 'string' ? / (\S+:\d+)\s*$/.exec(source.message)?.[1] : undefined;
    const reason = NETWORK_REASONS[code];
    return reason ? `${reason} (${code}${where ? ` ${where}` : ''})` : `${typeof source.message === 'string' ? source.message : code}`;
  }
  if (typeof cause?.message === 'string' && cause.message) {
    // Fetch refuses some ports outright (the Fetch standard's "bad ports": 1, 9, 22, 6000, ...).
    if (cause.message === 'bad port') return 'fetch refuses this port (a "bad port" of the Fetch standard): serve it on another port';
    return `${describeError(err)}: ${cause.message}`;
  }
  return describeError(err);
}
