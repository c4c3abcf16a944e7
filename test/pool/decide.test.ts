import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, EMPTY_HISTORY, type PoolHistory } from '../../src/pool/decide.js';
import type { Demand } from '../../src/pool/demand/demand.js';
import type { Host } from '../../src/pool/host.js';
import type { PoolPolicy } from '../../src/pool/policy.js';
import { canTransition, HOST_STATES, UNTRACKED } from '../../src/pool/states.js';
import { demand, host, HOUR, MIN, NOW, policy, probed, probeDown, readyHosts, UNKNOWN } from './builders.js';

interface Expect {
  /** "id:to" for every move, in order. */
  moves: string[];
  launches: number;
  why?: RegExp;
  /** A reason that one of the moves must match. */
  reason?: RegExp;
  belowSince?: number | null;
  retry?: string[];
}

type Row = [string, Host[], Demand, Partial<PoolPolicy>, PoolHistory, Expect];

const run = (hosts: Host[], d: Demand, p: Partial<PoolPolicy> = {}, history: PoolHistory = EMPTY_HISTORY) =>
  decide({ hosts, demand: d, policy: policy(p), history, now: NOW });

function check(row: Row): void {
  const [, hosts, d, p, history, want] = row;
  const out = run(hosts, d, p, history);
  expect(out.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(want.moves);
  expect(out.launches.count).toBe(want.launches);
  if (want.why) expect(out.why).toMatch(want.why);
  if (want.reason) expect(out.moves.map((m) => m.reason)).toContainEqual(expect.stringMatching(want.reason));
  if (want.belowSince !== undefined) expect(out.history.belowSince).toBe(want.belowSince);
  if (want.retry) expect(out.retryTerminate.map((r) => r.hostId)).toEqual(want.retry);
  for (const m of out.moves) expect(m.reason.length).toBeGreaterThan(5);
}

describe('decide: the counting line agrees with the tags status lists', () => {
  it('hosts still tagged launching that EC2 says are running: the line says they move launching -> ready this tick', () => {
    const hosts = ['a', 'b', 'c', 'd'].map((id) => host(id, 'launching', { since: NOW - MIN }));
    const out = decide({ hosts, demand: demand(4), policy: policy(), history: EMPTY_HISTORY, now: NOW });
    expect(out.why).toContain('4 counting (4 ready + 0 launching; 4 of the ready move launching -> ready this tick)');
    expect(out.moves.map((m) => `${m.from}->${m.to}`)).toEqual(Array(4).fill('launching->ready'));
  });

  it('one host is "1 host" in the sizing line', () => {
    const out = decide({ hosts: [host('a', 'ready')], demand: demand(0), policy: policy({ minHosts: 1 }), history: EMPTY_HISTORY, now: NOW });
    expect(out.why).toMatch(/per host = 0 hosts, clamped to min 1;/);
    const one = decide({ hosts: [], demand: demand(1), policy: policy({ jobsPerHost: 8 }), history: EMPTY_HISTORY, now: NOW });
    expect(one.why).toMatch(/per host = 1 host;/);
  });
});

describe('decide: sizing', () => {
  const rows: Row[] = [
    ['empty pool, empty queue: the minimum is kept', [], demand(0), { minHosts: 2 }, EMPTY_HISTORY, { moves: [], launches: 2, why: /clamped to min 2.*launch 2/ }],
    ['n=4 at 1 job per host: 4 + 2√4 = 8 hosts', [], demand(3, 1), {}, EMPTY_HISTORY, { moves: [], launches: 8, why: /n=4 \(3 queued, 1 in flight\): n \+ 2√n = 8 jobs \/ 1 per host = 8 hosts/ }],
    ['n=4 at 4 jobs per host: exactly 2 hosts', [], demand(4), { minHosts: 0, jobsPerHost: 4 }, EMPTY_HISTORY, { moves: [], launches: 2 }],
    ['a burst: at most max launches per tick', [], demand(100), { maxLaunchesPerTick: 3 }, EMPTY_HISTORY, { moves: [], launches: 3, why: /at most 3 launches per tick/ }],
    ['one below max: only the room left', readyHosts(9), demand(100), { maxLaunchesPerTick: 5 }, EMPTY_HISTORY, { moves: [], launches: 1, why: /clamped to max 10/ }],
    ['at max: nothing launched', readyHosts(10), demand(100), {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    [
      'launching hosts count towards max',
      [...readyHosts(8), host('l1', 'launching', { cloud: 'pending', since: NOW - MIN }), host('l2', 'launching', { cloud: 'pending', since: NOW - MIN })],
      demand(100), {}, EMPTY_HISTORY, { moves: [], launches: 0 },
    ],
    ['at the desired size: nothing, and no scale-down history', readyHosts(3), demand(1), {}, { belowSince: NOW - 5 * MIN }, { moves: [], launches: 0, belowSince: null, why: /at the desired size/ }],
    [
      'more wanted: draining hosts are recaptured before anything is launched (most jobs first)',
      [host('r0', 'ready', { probe: probed(3) }), host('d0', 'draining', { probe: probed(0) }), host('d1', 'draining', { probe: probed(2) })],
      demand(4), { jobsPerHost: 4, minHosts: 0 }, EMPTY_HISTORY,
      { moves: ['d1:ready', 'd0:terminating'], launches: 0, reason: /recaptured: desired 2 hosts > 1 counting/ },
    ],
    [
      'recapture all draining, then launch the rest',
      [host('d0', 'draining'), host('d1', 'draining')],
      demand(4), {}, EMPTY_HISTORY,
      { moves: ['d0:ready', 'd1:ready'], launches: 6, why: /recapture 2, launch 6/ },
    ],
    [
      'an idle draining host is recaptured, not terminated, when more are wanted',
      [host('d0', 'draining', { probe: probed(0) })],
      demand(1), {}, EMPTY_HISTORY,
      { moves: ['d0:ready'], launches: 2 },
    ],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('decide: scale-down', () => {
  const rows: Row[] = [
    ['fewer wanted: the delay starts, nothing drained', readyHosts(5), demand(0), {}, EMPTY_HISTORY, { moves: [], launches: 0, belowSince: NOW, why: /scale-down delay: below for 0 s of 10 min, nothing drained yet/ }],
    ['still inside the delay: nothing drained, the start is kept', readyHosts(5), demand(0), {}, { belowSince: NOW - 9 * MIN }, { moves: [], launches: 0, belowSince: NOW - 9 * MIN }],
    [
      'delay passed: the excess ready hosts are drained, fewest jobs first',
      [host('a', 'ready', { probe: probed(2) }), host('b', 'ready', { probe: probed(0) }), host('c', 'ready', { probe: probed(1) })],
      demand(0, 0), {}, { belowSince: NOW - 11 * MIN },
      { moves: ['b:draining', 'c:draining'], launches: 0, reason: /excess: desired 1 < 3 counting for 11 min \(scale-down delay 10 min\); fewest jobs \(0\)/ },
    ],
    [
      'equal jobs: the newest is drained first',
      [host('old', 'ready', { launchedAt: NOW - 3 * HOUR }), host('new', 'ready', { launchedAt: NOW - HOUR }), host('mid', 'ready', { launchedAt: NOW - 2 * HOUR })],
      demand(0), {}, { belowSince: NOW - HOUR },
      { moves: ['new:draining', 'mid:draining'], launches: 0 },
    ],
    [
      'a host younger than the min uptime is not drained',
      [host('old', 'ready', { launchedAt: NOW - HOUR }), host('young', 'ready', { launchedAt: NOW - 5 * MIN }), host('old2', 'ready', { launchedAt: NOW - 2 * HOUR })],
      demand(0), {}, { belowSince: NOW - HOUR },
      { moves: ['old:draining', 'old2:draining'], launches: 0 },
    ],
    [
      'only young hosts in excess: kept, and the why says so',
      [host('old', 'ready', { launchedAt: NOW - HOUR }), host('young', 'ready', { launchedAt: NOW - 5 * MIN })],
      demand(0), { minHosts: 0 }, { belowSince: NOW - HOUR },
      { moves: ['old:draining'], launches: 0, why: /drain 1; 1 ready host\(s\) younger than the min uptime of 10 min kept/ },
    ],
    ['never below min', readyHosts(4), demand(0), { minHosts: 3 }, { belowSince: NOW - HOUR }, { moves: ['r3:draining'], launches: 0 }],
    [
      'above max: the excess is drained at once, without the delay or min uptime',
      readyHosts(12).map((h) => ({ ...h, launchedAt: h.launchedAt + 55 * MIN })), demand(100), {}, EMPTY_HISTORY,
      { moves: ['r11:draining', 'r10:draining'], launches: 0, reason: /above max: 12 counting > max 10, drained at once/ },
    ],
    [
      'launching hosts in excess are not drained (only ready ones are)',
      [host('l', 'launching', { cloud: 'pending', since: NOW - MIN }), ...readyHosts(1)],
      demand(0), {}, { belowSince: NOW - HOUR },
      { moves: ['r0:draining'], launches: 0 },
    ],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('decide: host rules', () => {
  const rows: Row[] = [
    ['launching -> ready when EC2 says running (no probe)', [host('l', 'launching', { since: NOW - MIN })], demand(0), {}, EMPTY_HISTORY, { moves: ['l:ready'], launches: 0, reason: /^EC2 says running$/ }],
    ['launching, running, probe healthy -> ready', [host('l', 'launching', { since: NOW - MIN, probe: probed(0) })], demand(0), {}, EMPTY_HISTORY, { moves: ['l:ready'], launches: 0 }],
    ['launching, running, probe not answering yet: stays launching', [host('l', 'launching', { since: NOW - MIN, probe: probeDown })], demand(0), {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    ['launching, still pending: stays launching', [host('l', 'launching', { cloud: 'pending', since: NOW - 9 * MIN })], demand(0), {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    [
      'launching past the launch timeout -> terminating, and a replacement is launched',
      [host('l', 'launching', { cloud: 'pending', since: NOW - 11 * MIN })], demand(0), {}, EMPTY_HISTORY,
      { moves: ['l:terminating'], launches: 1, reason: /launch timeout: launching for 11 min, more than 10 min/ },
    ],
    [
      'a failed probe on a ready host -> unhealthy, and a replacement is launched',
      [host('r', 'ready', { probe: probeDown })], demand(0), {}, EMPTY_HISTORY,
      { moves: ['r:unhealthy'], launches: 1, reason: /probe failed: connect ECONNREFUSED/ },
    ],
    ['a ready host saying healthy: false -> unhealthy', [host('r', 'ready', { probe: probed(1, false) })], demand(1), {}, EMPTY_HISTORY, { moves: ['r:unhealthy'], launches: 3, reason: /healthy: false/ }],
    ['a draining host with a failed probe -> unhealthy', [...readyHosts(1), host('d', 'draining', { probe: probeDown })], demand(0), {}, EMPTY_HISTORY, { moves: ['d:unhealthy'], launches: 0 }],
    ['a stopped instance -> unhealthy', [host('r', 'ready', { cloud: 'stopped' }), ...readyHosts(1)], demand(0), {}, EMPTY_HISTORY, { moves: ['r:unhealthy'], launches: 0, reason: /EC2 says stopped/ }],
    ['draining, the probe says 0 jobs -> terminating', [...readyHosts(1), host('d', 'draining', { probe: probed(0) })], demand(0), {}, EMPTY_HISTORY, { moves: ['d:terminating'], launches: 0, reason: /draining and the probe says 0 jobs/ }],
    ['draining, the probe says 2 jobs: kept', [...readyHosts(1), host('d', 'draining', { probe: probed(2) })], demand(0), {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    ['draining, no probe, work in flight: busy, kept', [...readyHosts(3), host('d', 'draining')], demand(0, 1), {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    ['draining, no probe, nothing in flight -> terminating', [...readyHosts(1), host('d', 'draining')], demand(0, 0), {}, EMPTY_HISTORY, { moves: ['d:terminating'], launches: 0, reason: /nothing in flight/ }],
    ['unhealthy with jobs: kept until its timeout', [...readyHosts(1), host('u', 'unhealthy', { since: NOW - 11 * HOUR, probe: probed(1, false) })], demand(0), {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    [
      'unhealthy past 12 h -> terminating (unless the re-check shows it busy)',
      [...readyHosts(1), host('u', 'unhealthy', { since: NOW - 13 * HOUR, probe: probed(4, false) })], demand(0), {}, EMPTY_HISTORY,
      { moves: ['u:terminating'], launches: 0, reason: /unhealthy timeout: unhealthy for 13 h, more than 12 h: terminated unless the probe shows it busy/ },
    ],
    ['unhealthy, no jobs -> terminating', [...readyHosts(1), host('u', 'unhealthy', { probe: probed(0, false) })], demand(0), {}, EMPTY_HISTORY, { moves: ['u:terminating'], launches: 0, reason: /unhealthy and the probe says 0 jobs/ }],
    ['unhealthy, probe down, no probe answer and unknown demand: kept', [...readyHosts(1), host('u', 'unhealthy', { probe: probeDown })], UNKNOWN, {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    ['unhealthy and stopped: no jobs -> terminating', [...readyHosts(1), host('u', 'unhealthy', { cloud: 'stopped' })], demand(0, 5), { jobsPerHost: 10 }, EMPTY_HISTORY, { moves: ['u:terminating'], launches: 0 }],
    ['a host whose instance is gone -> terminated, and replaced', [host('g', 'ready', { cloud: 'terminated' })], demand(0), {}, EMPTY_HISTORY, { moves: ['g:terminated'], launches: 1, reason: /instance gone: EC2 says terminated/ }],
    ['shutting-down counts as gone', [...readyHosts(1), host('g', 'terminating', { cloud: 'shutting-down' })], demand(0), {}, EMPTY_HISTORY, { moves: ['g:terminated'], launches: 0 }],
    ['already terminated and gone: nothing', [...readyHosts(1), host('g', 'terminated', { cloud: 'terminated' })], demand(0), {}, EMPTY_HISTORY, { moves: [], launches: 0 }],
    ['terminating but still running: TerminateInstances again', [...readyHosts(1), host('t', 'terminating')], demand(0), {}, EMPTY_HISTORY, { moves: [], launches: 0, retry: ['t'] }],
    ['orphan running -> adopted as ready', [host('o', UNTRACKED)], demand(0), {}, EMPTY_HISTORY, { moves: ['o:ready'], launches: 0, reason: /orphan: pool tag without a state tag, running: adopted as ready/ }],
    ['orphan pending -> adopted as launching', [host('o', UNTRACKED, { cloud: 'pending' })], demand(0), {}, EMPTY_HISTORY, { moves: ['o:launching'], launches: 0 }],
    ['orphan stopped -> terminating', [host('o', UNTRACKED, { cloud: 'stopped' })], demand(0), {}, EMPTY_HISTORY, { moves: ['o:terminating'], launches: 1 }],
  ];
  it.each(rows)('%s', (...row) => check(row));
});

describe('decide: an unknown demand', () => {
  it('launches, drains and recaptures nothing, and keeps the history', () => {
    const hosts = [...readyHosts(5), host('d', 'draining', { probe: probed(3) })];
    const history = { belowSince: NOW - HOUR };
    const out = run(hosts, UNKNOWN, { minHosts: 8 }, history);
    expect(out.moves).toEqual([]);
    expect(out.launches.count).toBe(0);
    expect(out.history).toBe(history);
    expect(out.desired).toBeNull();
    expect(out.why).toBe('demand unknown (SQS GetQueueAttributes: throttled): nothing launched, drained or recaptured on it');
  });

  it('with no probe, no draining host is terminated (it may be busy)', () => {
    const out = run([host('d', 'draining')], UNKNOWN);
    expect(out.moves).toEqual([]);
  });
});

describe('decide: invariants under random pools', () => {
  const cloudStates = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] as const;
  const probeArb = fc.oneof(
    fc.constant(undefined),
    fc.record({ ok: fc.constant(true as const), healthy: fc.boolean(), jobs: fc.integer({ min: 0, max: 4 }) }),
    fc.constant(probeDown),
  );
  const hostArb = (i: number) =>
    fc.record({
      state: fc.constantFrom(UNTRACKED, ...HOST_STATES),
      cloud: fc.constantFrom(...cloudStates),
      sinceAgo: fc.integer({ min: 0, max: 20 * HOUR }),
      upAgo: fc.integer({ min: 0, max: 20 * HOUR }),
      probe: probeArb,
    }).map((r): Host => ({ id: `i-${i}`, state: r.state, cloud: r.cloud, since: NOW - r.sinceAgo, launchedAt: NOW - r.upAgo, ...(r.probe ? { probe: r.probe } : {}) }));
  const hostsArb = fc.integer({ min: 0, max: 14 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => hostArb(i))));
  const demandArb: fc.Arbitrary<Demand> = fc.oneof(
    fc.record({ queued: fc.integer({ min: 0, max: 200 }), inFlight: fc.integer({ min: 0, max: 20 }) }).map(({ queued, inFlight }) => demand(queued, inFlight)),
    fc.constant(UNKNOWN),
  );
  const policyArb = fc
    .record({ minHosts: fc.integer({ min: 0, max: 4 }), extra: fc.integer({ min: 0, max: 8 }), jobsPerHost: fc.integer({ min: 1, max: 5 }), maxLaunchesPerTick: fc.integer({ min: 1, max: 6 }) })
    .map(({ minHosts, extra, jobsPerHost, maxLaunchesPerTick }) => policy({ minHosts, maxHosts: minHosts + extra, jobsPerHost, maxLaunchesPerTick }));
  const historyArb = fc.oneof(fc.constant(EMPTY_HISTORY), fc.integer({ min: 0, max: 2 * HOUR }).map((ago) => ({ belowSince: NOW - ago })));

  it('never above max, never drains below min, no busy healthy host terminated, unknown demand moves nothing on size', () => {
    fc.assert(
      fc.property(hostsArb, demandArb, policyArb, historyArb, (hosts, d, p, history) => {
        const out = decide({ hosts, demand: d, policy: p, history, now: NOW });
        const before = new Map(hosts.map((h) => [h.id, h]));
        const grew = out.launches.count > 0 || out.moves.some((m) => m.from === 'draining' && m.to === 'ready');
        const drained = out.moves.some((m) => m.to === 'draining');
        // Never above max: a launch or a recapture never takes ready + launching above max.
        if (grew) expect(out.countingAfter).toBeLessThanOrEqual(p.maxHosts);
        // Never below min: a drain never takes ready + launching below min.
        if (drained) expect(out.countingAfter).toBeGreaterThanOrEqual(p.minHosts);
        for (const m of out.moves) {
          expect(canTransition(m.from, m.to)).toBe(true);
          const h = before.get(m.hostId)!;
          // No busy healthy host terminated.
          if (m.to === 'terminating' && (h.state === 'ready' || h.state === 'draining') && h.cloud === 'running') {
            const busy = h.probe ? h.probe.ok && h.probe.healthy && h.probe.jobs > 0 : !d.known || d.inFlight > 0;
            expect(busy).toBe(false);
          }
        }
        if (!d.known) {
          expect(out.launches.count).toBe(0);
          expect(drained).toBe(false);
          expect(grew).toBe(false);
          // The size history is left as it was (gone hosts are still remembered, history.gone).
          expect(out.history.belowSince).toBe(history.belowSince);
        }
      }),
      { numRuns: 500, seed: 20261129 },
    );
  });
});

describe('decide: gone hosts are recorded once', () => {
  it('an instance the cloud shows terminated moves to terminated with its reason, is remembered, and never counts', () => {
    const reclaimed = host('spot', 'ready', { cloud: 'terminated', cloudReason: 'Server.SpotInstanceTermination: Spot instance termination' });
    const first = run([reclaimed, ...readyHosts(1)], demand(0), { minHosts: 2 });
    expect(first.moves).toEqual([expect.objectContaining({ hostId: 'spot', from: 'ready', to: 'terminated', reason: 'instance gone: EC2 says terminated (Server.SpotInstanceTermination: Spot instance termination)' })]);
    expect(first.history.gone).toEqual({ spot: NOW });
    expect(first.launches.count).toBe(1);
    // The next tick: EC2 still shows it, its tag could not be written: no second record, not counted.
    const second = decide({ hosts: [reclaimed, ...readyHosts(1)], demand: demand(0), policy: policy({ minHosts: 2 }), history: first.history, now: NOW + MIN });
    expect(second.moves).toEqual([]);
    expect(second.launches.count).toBe(1);
    expect(second.history.gone).toEqual({ spot: NOW });
    // Forgotten once EC2 no longer shows it (3 h on).
    const later = decide({ hosts: readyHosts(2), demand: demand(0), policy: policy({ minHosts: 2 }), history: first.history, now: NOW + 3 * HOUR });
    expect(later.history.gone).toBeUndefined();
  });
});

describe('decide: what each terminate rests on, for the re-check right before it', () => {
  it('"no jobs" is idle; the timeouts and orphans are broken; a retry is idle while running, broken once stopped or past the unhealthy timeout', () => {
    const out = run(
      [
        ...readyHosts(1),
        host('idle', 'draining', { probe: probed(0) }),
        host('sick', 'unhealthy', { probe: probed(0, false) }),
        host('old-sick', 'unhealthy', { since: NOW - 13 * HOUR, probe: probed(3, false) }),
        host('slow', 'launching', { cloud: 'pending', since: NOW - 20 * MIN }),
        host('orphan', UNTRACKED, { cloud: 'stopped' }),
      ],
      demand(0),
      { minHosts: 0 },
    );
    expect(out.moves.filter((m) => m.to === 'terminating').map((m) => m.hostId).sort()).toEqual(['idle', 'old-sick', 'orphan', 'sick', 'slow']);
    expect(out.recheck.sort()).toEqual(['idle', 'sick']);
    expect(out.grounds).toEqual({ idle: 'idle', sick: 'idle', 'old-sick': 'broken', slow: 'broken', orphan: 'broken' });
    const retries = run(
      [
        ...readyHosts(1),
        host('failed-once', 'terminating', { since: NOW - MIN }),
        host('long-ago', 'terminating', { since: NOW - 13 * HOUR }),
        host('stopped', 'terminating', { since: NOW - MIN, cloud: 'stopped' }),
      ],
      demand(0),
      { minHosts: 0 },
    );
    expect(retries.retryTerminate.map((r) => r.hostId)).toEqual(['failed-once', 'long-ago', 'stopped']);
    expect(retries.grounds).toEqual({ 'failed-once': 'idle', 'long-ago': 'broken', stopped: 'broken' });
  });
});

describe('decide with the demand packed by shape (several worker types)', () => {
  const shaped = (workers: number) => ({ workers, order: Array.from({ length: workers }, () => 'gpu'), fallback: 'cpu', reason: workers > 0 ? `start ${workers} gpu for ${workers} × {GPU: 1}` : '4 fit the workers up or starting' });

  it('a GPU task while idle CPU workers meet the count: one worker is launched for it, nothing drained that tick', () => {
    const out = decide({ hosts: readyHosts(4, { probe: probed(0) }), demand: demand(1), policy: policy({ minHosts: 4, maxHosts: 8, scaleDownDelayMs: 0, minUptimeMs: 0 }), history: EMPTY_HISTORY, now: NOW, shaped: shaped(1) });
    expect(out.launches.count).toBe(1);
    expect(out.moves).toEqual([]);
    expect(out.why).toContain('by shape: start 1 gpu for 1 × {GPU: 1}: desired 4 counting + 1 = 5');
  });

  it('nothing more needed by shape: the count never grows the pool (no headroom of no one shape), but still shrinks it', () => {
    const grow = decide({ hosts: readyHosts(2, { probe: probed(4) }), demand: demand(40), policy: policy({ minHosts: 0, maxHosts: 8 }), history: EMPTY_HISTORY, now: NOW, shaped: shaped(0) });
    expect(grow.launches.count).toBe(0);
    const shrink = decide({ hosts: readyHosts(3, { probe: probed(0) }), demand: demand(0), policy: policy({ minHosts: 1, maxHosts: 8, scaleDownDelayMs: 0, minUptimeMs: 0 }), history: EMPTY_HISTORY, now: NOW, shaped: shaped(0) });
    expect(shrink.moves.filter((m) => m.to === 'draining')).toHaveLength(2);
  });

  it('the shapes never pass max, and the minimum holds', () => {
    expect(decide({ hosts: readyHosts(3, { probe: probed(1) }), demand: demand(9), policy: policy({ minHosts: 0, maxHosts: 4 }), history: EMPTY_HISTORY, now: NOW, shaped: shaped(5) }).launches.count).toBe(1);
    expect(decide({ hosts: [], demand: demand(0), policy: policy({ minHosts: 2, maxHosts: 4 }), history: EMPTY_HISTORY, now: NOW, shaped: shaped(0) }).launches.count).toBe(2);
  });
});
