import { describe, expect, it } from 'vitest';
import { decide, drainOrder, sizeRank } from '../../src/pool/decide.js';
import { decideManual } from '../../src/pool/manual.js';
import { demand, host, HOUR, MIN, NOW, policy, probed } from './builders.js';

const order = (hosts: ReturnType<typeof host>[]): string[] => [...hosts].sort(drainOrder).map((h) => h.id);

describe('drainOrder: which ready host drains first', () => {
  it('fewest jobs first, whatever they cost', () => {
    expect(order([host('od-busy', 'ready', { lifecycle: 'on-demand', probe: probed(2) }), host('spot-idle', 'ready', { lifecycle: 'spot', probe: probed(0) })])).toEqual(['spot-idle', 'od-busy']);
  });

  it('otherwise equal: on-demand before spot, even when the spot host is newer', () => {
    const spot = host('spot', 'ready', { lifecycle: 'spot', instanceType: 'g4dn.xlarge', launchedAt: NOW - 1 * HOUR });
    const od = host('od', 'ready', { lifecycle: 'on-demand', instanceType: 'g4dn.xlarge', launchedAt: NOW - 2 * HOUR });
    expect(order([spot, od])).toEqual(['od', 'spot']);
  });

  it('same lifecycle: the higher known price first, else the larger type, then the newest', () => {
    expect(order([host('cheap', 'ready', { lifecycle: 'spot', pricePerHour: 0.2 }), host('dear', 'ready', { lifecycle: 'spot', pricePerHour: 0.9 })])).toEqual(['dear', 'cheap']);
    expect(order([host('x1', 'ready', { instanceType: 'p3.xlarge' }), host('x2', 'ready', { instanceType: 'p3.2xlarge' }), host('l', 'ready', { instanceType: 'p3.large' })])).toEqual(['x2', 'x1', 'l']);
    expect(order([host('old', 'ready', { launchedAt: NOW - 2 * HOUR }), host('new', 'ready', { launchedAt: NOW - HOUR })])).toEqual(['new', 'old']);
  });

  it('sizeRank: a static rank of EC2 sizes; unknown is lowest', () => {
    expect(sizeRank('c5.metal')).toBeGreaterThan(sizeRank('c5.24xlarge'));
    expect(sizeRank('c5.24xlarge')).toBeGreaterThan(sizeRank('c5.2xlarge'));
    expect(sizeRank('c5.2xlarge')).toBeGreaterThan(sizeRank('c5.xlarge'));
    expect(sizeRank('c5.xlarge')).toBeGreaterThan(sizeRank('c5.large'));
    expect(sizeRank(undefined)).toBe(-1);
    expect(sizeRank('cpu-small')).toBe(-1);
  });

  it('the tick\'s scale-down and a manual scale-down both drain the on-demand host and keep the spot ones', () => {
    const hosts = [
      host('spot-a', 'ready', { lifecycle: 'spot', instanceType: 'g4dn.xlarge', launchedAt: NOW - HOUR + 2000 }),
      host('od', 'ready', { lifecycle: 'on-demand', instanceType: 'g4dn.xlarge', launchedAt: NOW - HOUR }),
      host('spot-b', 'ready', { lifecycle: 'spot', instanceType: 'g4dn.xlarge', launchedAt: NOW - HOUR + 1000 }),
    ];
    const auto = decide({ hosts, demand: demand(0), policy: policy({ minHosts: 2, scaleDownDelayMs: 10 * MIN }), history: { belowSince: NOW - 11 * MIN }, now: NOW });
    expect(auto.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['od:draining']);
    expect(auto.moves[0]!.reason).toMatch(/most expensive \(on-demand g4dn\.xlarge\)/);
    const manual = decideManual({ hosts, policy: policy(), direction: 'down', count: 1, now: NOW, desiredHosts: 1 });
    expect(manual.moves.map((m) => m.hostId)).toEqual(['od']);
  });
});
