import { vi } from 'vitest';
import { property, scheduleArb } from '../cancel-stale.property.js';
import { expectCaught } from './mutant.js';

// The old classification: only a network error is "may have acted"; a 5xx, an HTML 200 or truncated
// JSON after the server cancelled is written as cancel-failed ("nothing changed").
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/evalai/errors.js', async (orig) => {
  const m = await orig<typeof import('../../../src/evalai/errors.js')>();
  return { ...m, mayHaveActed: (err: unknown) => m.isEvalAIError(err, 'unreachable') };
});
expectCaught(property, scheduleArb, /invariant 6: submission \d+: cancelled by the server, yet recorded as cancel-failed/);
