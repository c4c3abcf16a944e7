import { afterAll, beforeAll, it, vi } from 'vitest';
import { checkProperty, runs } from './harness/property.js';
import { startInfra, type Infra } from './harness/sandbox-world.js';
import { property, scheduleArb } from './cancel-stale.property.js';

vi.mock('../../src/runtime/rate-limit.js', async (orig) => (await import('./harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../src/runtime/shared-rate-limit.js', async (orig) => (await import('./harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));

let infra: Infra;
beforeAll(async () => {
  infra = await startInfra();
});
afterAll(() => infra.close());

it('cancel-stale: the five invariants hold under random fault schedules', async () => {
  await checkProperty(property(() => infra), scheduleArb, runs(200));
}, 600_000);
