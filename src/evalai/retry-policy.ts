/** Exponential backoff with full jitter: a random wait in [base/2, base * 2^(attempt-1)]. */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const cap = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(baseMs / 2 + random() * (cap - baseMs / 2));
}

/** Retry-After in seconds or as an HTTP date; a missing or unreadable header falls back to `fallbackMs`. */
export function retryAfterMs(header: unknown, fallbackMs: number, now: number = Date.now()): number {
  if (typeof header !== 'string' || header.trim() === '') return fallbackMs;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(header);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return fallbackMs;
}
