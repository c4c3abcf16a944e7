import { afterAll, beforeAll, it, vi } from 'vitest';
import { restoreAwsMocks } from './harness/aws-fake.js';
import { checkProperty, runs } from './harness/property.js';
import { startInfra, type Infra } from './harness/sandbox-world.js';
import { property, scheduleArb } from './scale-eks.property.js';

vi.mock('../../src/runtime/rate-limit.js', async (orig) => (await import('./harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../src/runtime/shared-rate-limit.js', async (orig) => (await import('./harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));

let infra: Infra;
beforeAll(async () => {
  infra = await startInfra();
  // Should any AWS call escape the SDK mocks, it would land on the trap (invariant 5).
  process.env.AWS_ENDPOINT_URL = infra.trap.url;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL;
  restoreAwsMocks();
  await infra.close();
});

it('scale-eks: the five invariants hold under random fault schedules (config file and Lambda token)', async () => {
  await checkProperty(property(() => infra), scheduleArb, runs(200));
}, 600_000);
