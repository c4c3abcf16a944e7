import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-eks.property.js';
import { expectCaught } from './mutant.js';

// The rule this suite found and that was fixed: a disabled challenge scaled to 0 whatever is pending.
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/commands/scale-eks/decide.js', async (orig) => {
  const m = await orig<typeof import('../../../src/commands/scale-eks/decide.js')>();
  return {
    ...m,
    decideNodegroup: (obs: Parameters<typeof m.decideNodegroup>[0], caps: Parameters<typeof m.decideNodegroup>[1]) =>
      m.decideNodegroup(obs.disabled && obs.status === 'ACTIVE' ? { ...obs, pending: 0 } : obs, caps),
  };
});
expectCaught(property, scheduleArb, /invariant 2: AWS UpdateNodegroupConfig .*320.*: 1 submission\(s\) pending before the run/);
