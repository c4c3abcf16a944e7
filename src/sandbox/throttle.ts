/**
 * DRF SimpleRateThrottle (contract §1.3): a per-key history of request times within the
 * last `duration` seconds; a request is refused when the history is full, and refused
 * requests are not recorded.
 */
import { jsonReply, type Reply } from './reply.js';

export class ThrottleHistories {
  private readonly histories = new Map<string, number[]>();

  /** Records the request and returns null when allowed; otherwise DRF's `wait()` in seconds. */
  hit(key: string, numRequests: number, durationSec: number, nowSec: number): number | null {
    const history = (this.histories.get(key) ?? []).filter((t) => t > nowSec - durationSec);
    if (history.length >= numRequests) {
      this.histories.set(key, history);
      const oldest = history[0]!;
      const remaining = durationSec - (nowSec - oldest);
      const available = numRequests - history.length + 1;
      return remaining / available;
    }
    history.push(nowSec);
    this.histories.set(key, history);
    return null;
  }

  clear(): void {
    this.histories.clear();
  }
}

/** DRF `Throttled(wait)`: 429, detail with ngettext singular/plural, `Retry-After` when wait > 0. */
export function throttledReply(waitSeconds: number): Reply {
  const wait = Math.ceil(waitSeconds);
  const unit = wait === 1 ? 'second' : 'seconds';
  const headers: Record<string, string> = wait ? { 'Retry-After': String(wait) } : {};
  return jsonReply(429, { detail: `Request was throttled. Expected available in ${wait} ${unit}.` }, headers);
}
