import { vi } from 'vitest';
import { property, scheduleArb } from '../scale-ec2.property.js';
import { expectCaught } from './mutant.js';

// --via aws: an instance that cannot be described is taken as running (and stopped if idle).
vi.mock('../../../src/runtime/rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualClock(await orig()));
vi.mock('../../../src/runtime/shared-rate-limit.js', async (orig) => (await import('../harness/virtual-pacer.js')).withVirtualSharedClock(await orig()));
vi.mock('../../../src/aws/ec2.js', async (orig) => {
  const m = await orig<typeof import('../../../src/aws/ec2.js')>();
  return { ...m, describeInstance: (client: Parameters<typeof m.describeInstance>[0], id: string) => m.describeInstance(client, id).catch(() => ({ instanceId: id, state: 'running' as const })) };
});
expectCaught(property, scheduleArb, /invariant 1: AWS StopInstances .*DescribeInstances .* AWS answered (error|malformed)/);
