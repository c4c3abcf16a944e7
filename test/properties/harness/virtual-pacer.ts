/**
 * The client-side pacer with a virtual clock: its sliding-window logic is the real one, but its
 * waits advance a counter instead of the wall clock, as the transport's retries use `io.sleep`.
 * (runCommand builds the pacer with the real clock; an outage schedule can make more than 60
 * throttled calls in one run, which would otherwise wait out real minutes.) Used as:
 *
 *   vi.mock('../../src/runtime/rate-limit.js', async (orig) => (await import('./harness/virtual-pacer.js')).withVirtualClock(await orig()));
 */
import type * as RateLimit from '../../../src/runtime/rate-limit.js';

export function withVirtualClock(real: typeof RateLimit): typeof RateLimit {
  return {
    ...real,
    createPacer: (perMinute: number) => {
      let now = 0;
      return real.createPacer(perMinute, {
        now: () => now,
        sleep: async (ms: number) => {
          now += ms;
        },
      });
    },
  };
}
