import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-workers.property.js';
import { expectCaught } from './mutant.js';

// An unreadable or malformed pending count is taken as 0: workers get stopped under load.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/evalai/metrics.js', async (orig) => {
  const m = await orig<typeof import('../../../src/evalai/metrics.js')>();
  const zero = { total: 0, byStatus: { running: 0, submitted: 0, queued: 0, resuming: 0 } };
  return { ...m, getPendingSubmissions: (...a: Parameters<typeof m.getPendingSubmissions>) => m.getPendingSubmissions(...a).catch(() => zero) };
});
expectCaught(property, scheduleArb, /invariant [12]: .*(metrics|pending)/);
