/**
 * The client-side pacer with a virtual clock: its sliding-window logic is the real one, but its
 * waits advance a counter instead of the wall clock, as the transport's retries use `io.sleep`.
 * (runCommand builds the pacer with the real clock; an outage schedule can make more than 60
 * throttled calls in one run, which would otherwise wait out real minutes.) Used as:
 *
 *   vi.mock('../../src/runtime/rate-limit.js', async (orig) => (await import('./harness/virtual-pacer.js')).withVirtualClock(await orig()));
 *   vi.mock('../../src/runtime/shared-rate-limit.js', async (orig) => (await import('./harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
 *
 * The shared pacer (one budget for the commands of a host, through a file) is replaced by the
 * same virtual-clock pacer: these properties are about one run, not about sharing.
 */
import type * as RateLimit from '../../../src/runtime/rate-limit.js';
import type * as SharedRateLimit from '../../../src/runtime/shared-rate-limit.js';

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

export async function withVirtualSharedClock(real: typeof SharedRateLimit): Promise<typeof SharedRateLimit> {
  // The mocked rate-limit module (its createPacer already virtual), loaded lazily: a static import
  // here would make the two mocks wait for each other.
  const paced = await import('../../../src/runtime/rate-limit.js');
  return { ...real, createSharedPacer: (opts) => paced.createPacer(opts.perMinute) };
}
