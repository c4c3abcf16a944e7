import { describe, expect, it } from 'vitest';
import { decide } from '../../src/pool/decide.js';
import type { Host } from '../../src/pool/host.js';
import type { PoolPolicy } from '../../src/pool/policy.js';
import { demand, host, HOUR, NOW, policy, probed, readyHosts } from './builders.js';

/** The decision's rules for hosts a batch scheduler keeps (SLURM): queued first, the backend's words. */
const run = (hosts: Host[], n: number, p: Partial<PoolPolicy> = {}) => decide({ hosts, demand: demand(n), policy: policy(p), history: { belowSince: NOW - HOUR }, now: NOW });
const queued = (id: string, launchedAt: number): Host => host(id, 'launching', { cloud: 'pending', queued: true, since: NOW, launchedAt });

describe('decide: queued hosts (a SLURM job still PENDING)', () => {
  it('fewer wanted: queued hosts are dropped first, newest first, then ready hosts drained', () => {
    const out = run([...readyHosts(2, { probe: probed(0) }), queued('q-old', NOW - 3 * HOUR), queued('q-new', NOW - 1000)], 0, { minHosts: 1 });
    expect(out.moves.map((m) => `${m.hostId}:${m.from}->${m.to}`)).toEqual(['q-new:launching->terminating', 'q-old:launching->terminating', 'r1:ready->draining']);
    expect(out.moves[0]!.reason).toMatch(/still queued in the scheduler, holds nothing: dropped before any ready host is drained$/);
    expect(out.why).toMatch(/drop 2 queued, drain 1$/);
    expect(out.recheck).toEqual([]);
  });

  it('fewer wanted by one: only a queued host goes, no ready host is drained', () => {
    const out = run([...readyHosts(2, { probe: probed(0) }), queued('q', NOW - 1000)], 0, { minHosts: 2 });
    expect(out.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['q:terminating']);
  });

  it('a launching host that is not queued (EC2 pending) is never dropped for the excess', () => {
    const out = run([...readyHosts(2, { probe: probed(0) }), host('l', 'launching', { cloud: 'pending', since: NOW })], 0, { minHosts: 2 });
    expect(out.moves.map((m) => `${m.hostId}:${m.to}`)).toEqual(['r1:draining']);
  });

  it('reasons use the backend\'s words when it gives them', () => {
    const out = run([host('j', 'launching', { since: NOW - 1000, cloudSays: 'SLURM says RUNNING' }), host('g', 'ready', { cloud: 'terminated', cloudSays: 'squeue no longer shows the job' })], 1, { minHosts: 0 });
    expect(out.moves.map((m) => `${m.hostId}:${m.to}:${m.reason}`)).toEqual(['j:ready:SLURM says RUNNING', 'g:terminated:instance gone: squeue no longer shows the job']);
  });
});
