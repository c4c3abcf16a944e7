import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-workers.property.js';
import { expectCaught } from './mutant.js';

// Every listed challenge is handled twice and the per-target action guard is gone.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/evalai/challenges.js', async (orig) => {
  const m = await orig<typeof import('../../../src/evalai/challenges.js')>();
  return {
    ...m,
    listChallenges: async function* (...a: Parameters<typeof m.listChallenges>) {
      for await (const e of m.listChallenges(...a)) {
        yield e;
        yield e;
      }
    },
  };
});
vi.mock('../../../src/runtime/action-guard.js', async (orig) => {
  const m = await orig<typeof import('../../../src/runtime/action-guard.js')>();
  class ActionGuard extends m.ActionGuard {
    override claim() {
      return { ok: true as const };
    }
  }
  return { ...m, ActionGuard };
});
expectCaught(property, scheduleArb, /invariant 3: challenge:\d+ acted on 2 times/);
