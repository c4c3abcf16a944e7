import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-workers.property.js';
import { expectCaught } from './mutant.js';

// A run where some challenges failed exits 0.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/core/exit.js', async (orig) => {
  const m = await orig<typeof import('../../../src/core/exit.js')>();
  return { ...m, exitCodeFor: (...a: Parameters<typeof m.exitCodeFor>) => (m.exitCodeFor(...a) === 1 ? 0 : m.exitCodeFor(...a)) };
});
expectCaught(property, scheduleArb, /invariant 4: exit 0, but something failed/);
