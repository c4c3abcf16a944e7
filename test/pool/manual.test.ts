import { describe, expect, it } from 'vitest';
import { decideManual } from '../../src/pool/manual.js';
import { host, HOUR, NOW, policy, probed, readyHosts } from './builders.js';

const p = policy({ minHosts: 1, maxHosts: 6 });

describe('manual scale-up / scale-down', () => {
  it('scale-up recaptures draining hosts first, then launches', () => {
    const d = decideManual({ hosts: [...readyHosts(2), host('d', 'draining')], policy: p, direction: 'up', count: 3, now: NOW, desiredHosts: 2 });
    expect(d.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['d:ready']);
    expect(d).toMatchObject({ launches: 2, from: 2, to: 5, reason: 'manual scale-up by 3: 2 -> 5 hosts: recapture 1, launch 2' });
    expect(d.next).toBe('the demand wants 2 hosts: the next ticks drain back down to 2 after the scale-down delay (10 min)');
  });

  it('scale-up is capped at max', () => {
    const d = decideManual({ hosts: readyHosts(5), policy: p, direction: 'up', count: 4, now: NOW, desiredHosts: 6 });
    expect(d).toMatchObject({ launches: 1, to: 6, reason: 'manual scale-up by 4: 5 -> 6 hosts (capped at max 6): recapture 0, launch 1' });
    expect(d.next).toBe('the demand wants 6 hosts too: the next tick keeps them');
  });

  it('scale-up above max already does nothing', () => {
    const d = decideManual({ hosts: readyHosts(8), policy: p, direction: 'up', count: 2, now: NOW, desiredHosts: 6 });
    expect(d).toMatchObject({ moves: [], launches: 0, from: 8, to: 8 });
  });

  it('scale-down drains (fewest jobs, then newest), never terminates, and keeps min', () => {
    const hosts = [host('busy', 'ready', { probe: probed(3) }), host('idle-old', 'ready', { probe: probed(0), launchedAt: NOW - 2 * HOUR }), host('idle-new', 'ready', { probe: probed(0) })];
    const d = decideManual({ hosts, policy: p, direction: 'down', count: 5, now: NOW, desiredHosts: null });
    expect(d.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['idle-new:draining', 'idle-old:draining']);
    expect(d.moves.every((m) => m.to === 'draining')).toBe(true);
    expect(d).toMatchObject({ launches: 0, from: 3, to: 1, reason: 'manual scale-down by 5: 3 -> 1 host (kept at min 1): drain 2' });
    expect(d.next).toMatch(/demand is unknown now/);
  });

  it('says the next tick will undo a scale-down the demand does not agree with', () => {
    const d = decideManual({ hosts: readyHosts(4), policy: p, direction: 'down', count: 2, now: NOW, desiredHosts: 4 });
    expect(d.next).toBe('the next tick wants 4 hosts for the current demand: it recaptures or launches back up to 4');
  });

  it('scale-down right after a scale-up: the hosts are still launching, so it says why nothing was drained', () => {
    const hosts = [host('l0', 'launching'), host('l1', 'launching'), host('l2', 'launching'), host('l3', 'launching')];
    const d = decideManual({ hosts, policy: p, direction: 'down', count: 1, now: NOW, desiredHosts: 4 });
    expect(d.moves).toEqual([]);
    expect(d.reason).toBe('manual scale-down by 1: 4 -> 4 hosts: drain 0; nothing drained: 4 hosts still launching, and scale-down drains ready hosts only: run it again once they are ready');
    const some = decideManual({ hosts: [...readyHosts(1), host('l0', 'launching')], policy: policy({ minHosts: 0 }), direction: 'down', count: 2, now: NOW, desiredHosts: 0 });
    expect(some.reason).toMatch(/drain 1; only 1 drained: 1 host still launching/);
  });

  it('one host is "1 host"; the scale-down delay is a duration, not "(0 min)" for 5 s', () => {
    const d = decideManual({ hosts: readyHosts(3), policy: policy({ minHosts: 1, scaleDownDelayMs: 5000 }), direction: 'up', count: 1, now: NOW, desiredHosts: 1 });
    expect(d.next).toBe('the demand wants 1 host: the next ticks drain back down to 1 after the scale-down delay (5 s)');
  });

  it('a count below 1 is refused', () => {
    expect(() => decideManual({ hosts: [], policy: p, direction: 'up', count: 0, now: NOW, desiredHosts: 1 })).toThrow('scale-up: the count must be a whole number of at least 1, not 0');
  });
});
