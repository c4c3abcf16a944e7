import { describe, expect, it } from 'vitest';
import { decide, EMPTY_HISTORY } from '../../src/pool/decide.js';
import { holdForPause } from '../../src/pool/pause-hold.js';
import type { PoolPause } from '../../src/pool/pause.js';
import { demand, host, HOUR, MIN, NOW, policy, readyHosts, UNKNOWN } from './builders.js';

const PAUSE: PoolPause = { since: NOW - 57 * MIN, by: 'alice', reason: 'kernel upgrade' };
const LINE = 'held: pool paused since 2026-11-29T11:03:00Z by alice (kernel upgrade)';

describe('a paused pool\'s decision (holdForPause)', () => {
  it('decides as usual, then holds every launch, drain, terminate and retry; records what was observed', () => {
    const hosts = [
      host('gone', 'ready', { cloud: 'terminated' }),
      host('up', 'launching', { since: NOW - 2 * MIN }),
      host('drained', 'draining', { probe: { ok: true, healthy: true, jobs: 0 } }),
      host('sick', 'unhealthy', { since: NOW - 10 * MIN, probe: { ok: true, healthy: false, jobs: 0 } }),
      host('stuck', 'terminating', { since: NOW - 2 * MIN }),
    ];
    const input = { hosts, demand: demand(30), policy: policy({ minHosts: 1, maxHosts: 10, maxLaunchesPerTick: 4 }), history: EMPTY_HISTORY, now: NOW };
    const plain = decide(input);
    expect(plain.launches.count).toBeGreaterThan(0);
    expect(plain.retryTerminate.map((r) => r.hostId)).toEqual(['stuck']);
    const { decision, held, heldLaunches } = holdForPause(plain, { pause: PAUSE });
    expect(decision.launches.count).toBe(0);
    expect(heldLaunches).toBe(plain.launches.count);
    expect(decision.launches.reason).toBe(`${LINE}: not launched: ${plain.launches.reason}`);
    expect(decision.retryTerminate).toEqual([]);
    expect(decision.recheck).toEqual([]);
    // Recaptured before launching: the draining host back to ready is an act too.
    expect([...held].map((m) => `${m.hostId} ${m.from}->${m.to}`).sort()).toEqual(['drained draining->ready', 'sick unhealthy->terminating']);
    const kept = decision.moves.filter((m) => !held.has(m)).map((m) => `${m.hostId} ${m.from}->${m.to}`).sort();
    expect(kept).toEqual(['gone ready->terminated', 'up launching->ready']);
    expect(decision.why.startsWith(`${LINE} (would launch ${plain.launches.count}, 2 move(s), terminate 1 again); n=30`)).toBe(true);
    expect(decision.history.gone).toEqual({ gone: NOW });
    expect(decision.countingAfter).toBe(1); // up is ready now; nothing launched, nothing recaptured
  });

  it('minHosts is not enforced: an empty pool with no demand launches nothing', () => {
    const plain = decide({ hosts: [], demand: demand(0), policy: policy({ minHosts: 3 }), history: EMPTY_HISTORY, now: NOW });
    expect(plain.launches.count).toBe(3);
    const { decision } = holdForPause(plain, { pause: PAUSE });
    expect(decision.launches.count).toBe(0);
    expect(decision.desired?.hosts).toBe(3); // what it would want is still shown
  });

  it('a scale-down past its delay drains nothing; the scale-down clock keeps running', () => {
    const plain = decide({ hosts: readyHosts(5), demand: demand(0), policy: policy({ minHosts: 1 }), history: { belowSince: NOW - HOUR }, now: NOW });
    expect(plain.moves.filter((m) => m.to === 'draining')).toHaveLength(4);
    const { decision, held } = holdForPause(plain, { pause: PAUSE });
    expect(held.size).toBe(4);
    expect(decision.history.belowSince).toBe(NOW - HOUR);
    expect(decision.countingAfter).toBe(5);
  });

  it('a pause that cannot be read holds as a pause does, and says why', () => {
    const plain = decide({ hosts: [], demand: UNKNOWN, policy: policy({ minHosts: 0 }), history: EMPTY_HISTORY, now: NOW });
    const { decision, line } = holdForPause(plain, { unreadable: 'the pause of the pool cannot be read (s3://ops/p.json is not understood)' });
    expect(line).toBe('held: the pause of the pool cannot be read (s3://ops/p.json is not understood); the pool is held as if paused until its pause can be read');
    expect(decision.why.startsWith(line)).toBe(true);
  });
});
