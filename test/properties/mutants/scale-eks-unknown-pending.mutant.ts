import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-eks.property.js';
import { expectCaught } from './mutant.js';

// pending_submission_count that cannot be read or does not add up is taken as 0 (Lambda mode).
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/evalai/autoscale.js', async (orig) => {
  const m = await orig<typeof import('../../../src/evalai/autoscale.js')>();
  const zero = { total: 0, byStatus: { running: 0, submitted: 0, queued: 0, resuming: 0 } };
  return { ...m, getPendingSubmissionCount: (...a: Parameters<typeof m.getPendingSubmissionCount>) => m.getPendingSubmissionCount(...a).catch(() => zero) };
});
expectCaught(property, scheduleArb, /invariant [12]: AWS UpdateNodegroupConfig .*pending_submission_count/);
