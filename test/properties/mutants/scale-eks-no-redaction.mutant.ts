import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-eks.property.js';
import { expectCaught } from './mutant.js';

// No redaction: host tokens, the Lambda token and AWS keys quoted back by EvalAI or AWS reach the output.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/runtime/secrets.js', async (orig) => {
  const m = await orig<typeof import('../../../src/runtime/secrets.js')>();
  class Secrets extends m.Secrets {
    override scrub(text: string): string {
      return text;
    }
  }
  return { ...m, Secrets };
});
expectCaught(property, scheduleArb, /invariant 5: a secret .* appears in std(out|err)/);
