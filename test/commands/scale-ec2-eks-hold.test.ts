import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ec2StateName } from '../../src/aws/ec2.js';
import { decideEc2, type InstanceView } from '../../src/commands/scale-ec2/decide.js';
import type { Pending as Ec2Pending, Pending as EksPending } from '../../src/core/pending.js';
import { decideNodegroup, type NodegroupObservation } from '../../src/commands/scale-eks/decide.js';
import type { HoldInput, HoldPolicy } from '../../src/state/hold.js';
import type { ChallengeMemory } from '../../src/state/memory.js';
import { aChallenge, ended, NOW, obs, sc } from '../builders.js';

const ago = (min: number) => NOW.minus({ minutes: min }).toISO()!;
const mem = (m: Partial<ChallengeMemory> = {}): ChallengeMemory => ({ lastSeenAt: ago(5), ...m });
const delay30: HoldPolicy = { scaleDownDelayMs: 30 * 60_000 };
const uptime15: HoldPolicy = { minUptimeMs: 15 * 60_000 };
const hold = (policy: HoldPolicy, memory: ChallengeMemory | null): HoldInput => ({ policy, memory, now: NOW });
const ec2 = { usesEc2Worker: true };
const inst = (state: Ec2StateName): InstanceView => ({ instanceId: 'i-0123456789abcdef0', state });

describe('decideEc2 with history', () => {
  const rows: Array<[string, Parameters<typeof aChallenge>[0], Ec2StateName, number, HoldInput, string, RegExp]> = [
    ['idle 12 min of 30 -> kept', ec2, 'running', 0, hold(delay30, mem({ idleSince: ago(12) })), 'none', /instance i-\w+ running; idle for 12 min of 30 min: kept/],
    ['idle 31 min of 30 -> stop', ec2, 'running', 0, hold(delay30, mem({ idleSince: ago(31) })), 'stop', /running; idle for 31 min of 30 min$/],
    ['started 5 min ago -> kept', ec2, 'running', 0, hold(uptime15, mem({ startedAt: ago(5) })), 'none', /up for 5 min of 15 min minimum: kept/],
    ['no usable history -> stop as today', ec2, 'running', 0, hold(delay30, null), 'stop', /^no pending submissions, instance i-\w+ running$/],
    ['ended: stopped at once, no submission can come', { ...ec2, ...ended() }, 'running', 0, hold(delay30, mem({ idleSince: ago(1) })), 'stop', /^ended, nothing pending/],
    ['pending, stopped -> start', ec2, 'stopped', 2, hold(delay30, mem()), 'start', /2 pending submissions/],
  ];
  it.each(rows)('%s', (_n, c, state, pending, h, action, reason) => {
    const d = decideEc2(aChallenge(c), inst(state), pending, NOW, h);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });
});

describe('decideNodegroup with history', () => {
  const cap = { desiredCap: 5, maxSize: 5 };
  const rows: Array<[string, NodegroupObservation, HoldInput, string, RegExp]> = [
    ['idle 12 min of 30 -> nodes kept', obs(sc(1, 2, 5), 0), hold(delay30, mem({ idleSince: ago(12) })), 'none', /no pending submissions, 2 nodes; idle for 12 min of 30 min: kept/],
    ['idle 45 min of 30 -> scale to 0', obs(sc(1, 2, 5), 0), hold(delay30, mem({ idleSince: ago(45) })), 'scale-down', /no pending submissions; idle for 45 min of 30 min: 2 nodes -> 0/],
    ['scaled up 5 min ago -> kept', obs(sc(1, 1, 5), 0), hold(uptime15, mem({ startedAt: ago(5) })), 'none', /up for 5 min of 15 min minimum: kept/],
    ['no usable history -> scale to 0 as today', obs(sc(1, 2, 5), 0), hold(delay30, null), 'scale-down', /^no pending submissions: 2 nodes -> 0$/],
    ['ended -> scale to 0 at once', obs(sc(1, 2, 5), 0, { ended: true }), hold(delay30, mem({ idleSince: ago(1) })), 'scale-down', /^ended, nothing pending/],
    ['disabled -> scale to 0 at once', obs(sc(1, 2, 5), 0, { disabled: true }), hold(delay30, mem({ idleSince: ago(1) })), 'scale-down', /^challenge disabled/],
    ['already 0 nodes: nothing to hold', obs(sc(0, 0, 5), 0), hold(delay30, mem()), 'none', /already at 0 nodes/],
  ];
  it.each(rows)('%s', (_n, o, h, action, reason) => {
    const d = decideNodegroup(o, cap, h);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });
});

const memoryArb: fc.Arbitrary<ChallengeMemory | null> = fc.option(
  fc.record({ startedAt: fc.nat(600).map(ago), idleSince: fc.nat(600).map(ago), lastSeenAt: fc.constant(ago(5)) }, { requiredKeys: ['lastSeenAt'] }),
  { nil: null },
);
const policyArb = (on: boolean): fc.Arbitrary<HoldPolicy> =>
  on ? fc.record({ scaleDownDelayMs: fc.nat(120).map((m) => m * 60_000), minUptimeMs: fc.nat(120).map((m) => m * 60_000) }) : fc.constantFrom({}, { scaleDownDelayMs: 0, minUptimeMs: 0 });
const ec2StateArb = fc.constantFrom<Ec2StateName>('pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated');
const ec2PendingArb: fc.Arbitrary<Ec2Pending> = fc.oneof(fc.nat(4), fc.constantFrom('unknown' as const, 'not read' as const));
const eksArb = fc.record({
  min: fc.nat(2),
  desired: fc.nat(4),
  max: fc.integer({ min: 1, max: 40 }),
  pending: fc.oneof(fc.nat(6), fc.constant('unknown' as const)) as fc.Arbitrary<EksPending>,
  ended: fc.boolean(),
  disabled: fc.boolean(),
  status: fc.constantFrom('ACTIVE', 'UPDATING', 'DEGRADED', 'DELETING'),
});
const eksObs = (e: { min: number; desired: number; max: number; pending: EksPending; ended: boolean; disabled: boolean; status: string }) =>
  obs(sc(Math.min(e.min, e.desired), e.desired, Math.max(e.max, e.desired)), e.pending, { ended: e.ended, disabled: e.disabled, status: e.status });

describe('scale-ec2 and scale-eks: the options off change nothing; on, they only keep capacity', () => {
  it('ec2: off or no usable history -> exactly today\'s decision', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: -3, max: 3 }), ec2StateArb, ec2PendingArb, memoryArb, policyArb(false), (uses, endDays, state, pending, memory, policy) => {
        const c = aChallenge({ usesEc2Worker: uses, endDate: NOW.plus({ days: endDays }) });
        const today = decideEc2(c, inst(state), pending, NOW);
        expect(decideEc2(c, inst(state), pending, NOW, hold(policy, memory))).toEqual(today);
        expect(decideEc2(c, inst(state), pending, NOW, hold(delay30, null))).toEqual(today);
      }),
      { numRuns: 500 },
    );
  });
  it('ec2: on -> only a stop turned into kept', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3, max: 3 }), ec2StateArb, ec2PendingArb, memoryArb, policyArb(true), (endDays, state, pending, memory, policy) => {
        const c = aChallenge({ ...ec2, endDate: NOW.plus({ days: endDays }) });
        const today = decideEc2(c, inst(state), pending, NOW);
        const held = decideEc2(c, inst(state), pending, NOW, hold(policy, memory));
        if (held.action !== today.action) expect([today.action, held.action, /: kept$/.test(held.reason)]).toEqual(['stop', 'none', true]);
      }),
      { numRuns: 500 },
    );
  });
  it('eks: off or no usable history -> exactly today\'s decision', () => {
    fc.assert(
      fc.property(eksArb, memoryArb, policyArb(false), (e, memory, policy) => {
        const today = decideNodegroup(eksObs(e), { desiredCap: 3, maxSize: 4 });
        expect(decideNodegroup(eksObs(e), { desiredCap: 3, maxSize: 4 }, hold(policy, memory))).toEqual(today);
        expect(decideNodegroup(eksObs(e), { desiredCap: 3, maxSize: 4 }, hold(delay30, null))).toEqual(today);
      }),
      { numRuns: 500 },
    );
  });
  it('eks: on -> only a scale to 0 turned into kept (never fewer nodes than today)', () => {
    fc.assert(
      fc.property(eksArb, memoryArb, policyArb(true), (e, memory, policy) => {
        const today = decideNodegroup(eksObs(e), { desiredCap: 3, maxSize: 4 });
        const held = decideNodegroup(eksObs(e), { desiredCap: 3, maxSize: 4 }, hold(policy, memory));
        if (held.action !== today.action) expect([today.action, held.action, /: kept$/.test(held.reason)]).toEqual(['scale-down', 'none', true]);
        else expect(held.target).toEqual(today.target);
      }),
      { numRuns: 500 },
    );
  });
});
