import { vi } from 'vitest';
import { property, scheduleArb } from '../cancel-stale.property.js';
import { expectCaught } from './mutant.js';

// A write retried after a network error (as `retriable` in transport.ts would if PUT counted as safe):
// when the server had acted before the answer was lost, the cancel is sent twice.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/evalai/transport.js', async (orig) => {
  const m = await orig<typeof import('../../../src/evalai/transport.js')>();
  const { isEvalAIError } = await import('../../../src/evalai/errors.js');
  class RetryingTransport extends m.Transport {
    override async request(spec: Parameters<InstanceType<typeof m.Transport>['request']>[0]) {
      try {
        return await super.request(spec);
      } catch (err) {
        if (spec.method !== 'GET' && isEvalAIError(err, 'unreachable')) return super.request(spec);
        throw err;
      }
    }
  }
  return { ...m, Transport: RetryingTransport };
});
expectCaught(property, scheduleArb, /invariant 3: submission:\d+ acted on [2-9] times/);
