import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-workers.property.js';
import { expectCaught } from './mutant.js';

// A challenge whose list entry is malformed is acted on with what could be read of it.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/evalai/challenges.js', async (orig) => {
  const m = await orig<typeof import('../../../src/evalai/challenges.js')>();
  return {
    ...m,
    listChallenges: async function* (...a: Parameters<typeof m.listChallenges>) {
      for await (const e of m.listChallenges(...a)) {
        if (e.ok || e.id === null) yield e;
        else {
          const challenge = { id: e.id, title: e.title ?? '', startDate: null, endDate: null, createdAt: null, approvedByAdmin: true, published: true, isDockerBased: false, remoteEvaluation: false, usesEc2Worker: false, workers: 1 };
          yield { ok: true as const, challenge };
        }
      }
    },
  };
});
expectCaught(property, scheduleArb, /invariant 1: .*the challenge list entry of \d+ .*was corrupted/);
