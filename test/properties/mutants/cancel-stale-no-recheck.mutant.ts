import { vi } from 'vitest';
import { property, scheduleArb } from '../cancel-stale.property.js';
import { expectCaught } from './mutant.js';

// The re-check is read but not believed: whatever it says, the listed submission is cancelled.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/commands/cancel-stale/decide.js', async (orig) => {
  const m = await orig<typeof import('../../../src/commands/cancel-stale/decide.js')>();
  return {
    ...m,
    recheckDecision: (l: Parameters<typeof m.recheckDecision>[0], _f: unknown, policy: Parameters<typeof m.recheckDecision>[2], now: Parameters<typeof m.recheckDecision>[3]) =>
      m.recheckDecision(l, l, policy, now),
  };
});
expectCaught(property, scheduleArb, /invariant 1: .*update_submission.*(re-check of submission \d+|submission \d+ \(unknown)/);
