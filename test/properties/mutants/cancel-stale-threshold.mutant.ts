import { vi } from 'vitest';
import { property, scheduleArb } from '../cancel-stale.property.js';
import { expectCaught } from './mutant.js';

// The age threshold is ignored: fresh submissions in a candidate status are cancelled.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/commands/cancel-stale/decide.js', async (orig) => {
  const m = await orig<typeof import('../../../src/commands/cancel-stale/decide.js')>();
  return {
    ...m,
    decideSubmission: (s: Parameters<typeof m.decideSubmission>[0], policy: Parameters<typeof m.decideSubmission>[1], now: Parameters<typeof m.decideSubmission>[2]) =>
      m.decideSubmission(s, { ...policy, thresholdMs: 0 }, now),
    recheckDecision: (l: Parameters<typeof m.recheckDecision>[0], f: Parameters<typeof m.recheckDecision>[1], policy: Parameters<typeof m.recheckDecision>[2], now: Parameters<typeof m.recheckDecision>[3]) =>
      m.recheckDecision(l, f, { ...policy, thresholdMs: 0 }, now),
  };
});
expectCaught(property, scheduleArb, /invariant 2: .*update_submission.* it was not stale/);
