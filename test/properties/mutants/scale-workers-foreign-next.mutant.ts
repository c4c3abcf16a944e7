import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-workers.property.js';
import { expectCaught } from './mutant.js';

// `next` is followed wherever it points (with the token).
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/evalai/pagination.js', async () => {
  const { pageSchema } = await import('../../../src/evalai/schemas.js');
  const { validate } = await import('../../../src/evalai/validate.js');
  return {
    paginate: async function* (transport: import('../../../src/evalai/transport.js').Transport, firstPath: string, endpoint: string) {
      let target = firstPath;
      for (let number = 1; number < 20; number++) {
        const res = await transport.request({ method: 'GET', path: target, endpoint });
        const page = validate(pageSchema, res.body, endpoint);
        yield { number, count: page.count, results: page.results };
        if (page.next === null) return;
        target = page.next;
      }
    },
  };
});
expectCaught(property, scheduleArb, /invariant 5: the (foreign EvalAI|trap port) received/);
