import { describe, expect, it } from 'vitest';
import { decide, EMPTY_HISTORY, type PoolHistory } from '../../src/pool/decide.js';
import type { Demand } from '../../src/pool/demand/demand.js';
import type { Host } from '../../src/pool/host.js';
import type { InterruptionKind, InterruptionNotice } from '../../src/pool/interruption-event.js';
import type { PoolPolicy } from '../../src/pool/policy.js';
import { demand, host, HOUR, MIN, NOW, policy, probed, readyHosts, UNKNOWN } from './builders.js';

/** One job in flight: desired is 1 + 2*sqrt(1) = 3 hosts. */
const THREE = demand(0, 1);

function notice(kind: InterruptionKind, id: string, more: Partial<InterruptionNotice> = {}): InterruptionNotice {
  const at = NOW - MIN;
  const detail = { 'spot-interruption': 'terminate', rebalance: 'rebalance recommendation', 'scheduled-change': 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED', 'state-change': 'terminated' }[kind];
  return { kind, instanceIds: [id], at, detail, ...(kind === 'spot-interruption' ? { by: at + 2 * MIN } : {}), ...more };
}

const run = (hosts: Host[], notices: InterruptionNotice[], d: Demand = THREE, p: Partial<PoolPolicy> = {}, history: PoolHistory = EMPTY_HISTORY) =>
  decide({ hosts, demand: d, policy: policy(p), history, now: NOW, interruptions: notices });

describe('decide: interruption notices', () => {
  it('a spot interruption warning drains the host at once, with its reason, and its replacement launches in the same decision', () => {
    const out = run(readyHosts(3), [notice('spot-interruption', 'r1')]);
    expect(out.moves).toEqual([expect.objectContaining({ hostId: 'r1', from: 'ready', to: 'draining', reason: expect.stringMatching(/^spot interruption warning for r1 at 2026-11-29T11:59:00Z \(instance-action terminate\), reclaim at 2026-11-29T12:01:00Z/) })]);
    expect(out.launches.count).toBe(1);
    expect(out.countingAfter).toBe(3);
  });

  it('rebalance recommendations and AWS Health scheduled changes drain too', () => {
    const out = run(readyHosts(3), [notice('rebalance', 'r0'), notice('scheduled-change', 'r2', { by: NOW + 48 * HOUR })]);
    expect(out.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['r0:draining', 'r2:draining']);
    expect(out.moves[0]!.reason).toMatch(/^rebalance recommendation for r0/);
    expect(out.moves[1]!.reason).toMatch(/^AWS Health scheduled change AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED for r2 .*starting 2026-12-01T12:00:00Z/);
    expect(out.launches.count).toBe(2);
  });

  it('the replacements stay within maxHosts and maxLaunchesPerTick', () => {
    const warned = [notice('spot-interruption', 'r0'), notice('spot-interruption', 'r1')];
    expect(run(readyHosts(3), warned, THREE, { maxLaunchesPerTick: 1 }).launches.count).toBe(1);
    // Desired is capped at max 3: 1 counting after the drains, room for 2.
    expect(run(readyHosts(3), warned, demand(0, 9), { maxHosts: 3 }).launches.count).toBe(2);
  });

  it('a notice for an instance that is not the pool\'s changes nothing', () => {
    const out = run(readyHosts(3), [notice('spot-interruption', 'i-0ther'), notice('state-change', 'i-0ther')]);
    expect(out.moves).toEqual([]);
    expect(out.launches.count).toBe(0);
    expect(out.history.interrupted).toBeUndefined();
  });

  it('a warned host still launching is drained as well (it would otherwise count until AWS takes it)', () => {
    const hosts = [...readyHosts(2), host('l0', 'launching', { since: NOW - MIN, cloud: 'pending' })];
    const out = run(hosts, [notice('spot-interruption', 'l0')]);
    expect(out.moves.map((m) => `${m.hostId}:${m.from}->${m.to}`)).toEqual(['l0:launching->draining']);
    expect(out.launches.count).toBe(1);
  });

  it('a rebalance recommendation never terminates a busy host: it drains, is not recaptured later, and waits for its jobs', () => {
    const busy = readyHosts(3).map((h) => ({ ...h, probe: probed(2) }));
    const first = run(busy, [notice('rebalance', 'r1')]);
    expect(first.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['r1:draining']);
    expect(first.history.interrupted).toEqual({ r1: NOW - MIN });
    // The next tick: the message was deleted, more work arrived: the warned host is not put back.
    const later = busy.map((h) => (h.id === 'r1' ? { ...h, state: 'draining' as const, since: NOW } : h));
    const next = decide({ hosts: later, demand: demand(0, 9), policy: policy(), history: first.history, now: NOW + MIN });
    expect(next.moves.filter((m) => m.hostId === 'r1')).toEqual([]);
    expect(next.launches.count).toBeGreaterThan(0);
    expect(next.grounds.r1).toBeUndefined();
  });

  it('a draining host without a warning is still recaptured (the memory is only of warned hosts)', () => {
    const hosts = [...readyHosts(2), host('d0', 'draining', { since: NOW - MIN })];
    expect(run(hosts, []).moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['d0:ready']);
  });

  it('the memory of a warned host is dropped once the host is gone', () => {
    const hosts = readyHosts(3);
    const out = run(hosts, [], THREE, {}, { belowSince: null, interrupted: { 'i-gone': NOW - HOUR } });
    expect(out.history.interrupted).toBeUndefined();
  });

  it('a state change to terminated or shutting-down is recorded at once: the host is terminated and remembered as gone', () => {
    const out = run(readyHosts(3), [notice('state-change', 'r2'), notice('state-change', 'r0', { detail: 'shutting-down' })]);
    expect(out.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['r0:terminated', 'r2:terminated']);
    expect(out.moves[1]!.reason).toMatch(/instance gone: the EC2 Instance State-change Notification at 2026-11-29T11:59:00Z says terminated/);
    expect(Object.keys(out.history.gone ?? {})).toEqual(['r0', 'r2']);
    expect(out.launches.count).toBe(2);
  });

  it('a state change to stopping makes the host unhealthy, unless the instance was started again after the event', () => {
    expect(run(readyHosts(3), [notice('state-change', 'r1', { detail: 'stopping' })]).moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['r1:unhealthy']);
    const restarted = readyHosts(3).map((h) => (h.id === 'r1' ? { ...h, launchedAt: NOW - MIN / 2 } : h));
    expect(run(restarted, [notice('state-change', 'r1', { detail: 'stopping' })]).moves).toEqual([]);
  });

  it('with the demand unknown, a warned host is still drained, and nothing is launched on it', () => {
    const out = run(readyHosts(3), [notice('spot-interruption', 'r0')], UNKNOWN);
    expect(out.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['r0:draining']);
    expect(out.launches.count).toBe(0);
  });

  it('a warned orphan (pool tag, no state tag) is adopted, then drained in the same decision', () => {
    const hosts = [...readyHosts(2), host('o', 'untracked')];
    const out = run(hosts, [notice('spot-interruption', 'o')]);
    expect(out.moves.map((m) => `${m.hostId}:${m.from}->${m.to}`)).toEqual(['o:untracked->ready', 'o:ready->draining']);
    expect(out.launches.count).toBe(1);
  });

  it('hosts already on their way out are left as they are', () => {
    const hosts = [host('u', 'unhealthy'), host('t', 'terminating', { since: NOW - MIN }), ...readyHosts(3)];
    const out = run(hosts, [notice('spot-interruption', 'u'), notice('spot-interruption', 't')]);
    expect(out.moves.filter((m) => m.to === 'draining')).toEqual([]);
  });
});
