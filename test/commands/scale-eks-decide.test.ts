import { describe, expect, it } from 'vitest';
import type { ScalingConfig } from '../../src/aws/eks.js';
import { chooseNodegroup, decideNodegroup, eksScope, type NodegroupObservation } from '../../src/commands/scale-eks/decide.js';
import type { Pending } from '../../src/core/pending.js';
import type { EksCaps } from '../../src/commands/scale-eks/policy.js';
import { obs, sc } from '../builders.js';

const cap = (desiredCap: number, maxSize = desiredCap): EksCaps => ({ desiredCap, maxSize });

describe('decideNodegroup: the decision table', () => {
  const rows: Array<[string, NodegroupObservation, EksCaps, string, ScalingConfig | undefined, RegExp]> = [
    ['pending > desired: scale up to min(pending, cap)', obs(sc(0, 0, 1), 2), cap(5), 'scale-up', sc(1, 2, 5), /2 pending submissions: 0 nodes -> 2/],
    ['pending above the cap: scale up to the cap', obs(sc(0, 0, 1), 9), cap(3), 'scale-up', sc(1, 3, 3), /9 pending submissions: 0 nodes -> 3 \(capped at 3\)/],
    ['upstream default cap 1', obs(sc(0, 0, 1), 4), cap(1), 'scale-up', sc(1, 1, 1), /-> 1/],
    ['more pending than nodes, below cap: grow', obs(sc(1, 2, 5), 4), cap(5), 'scale-up', sc(1, 4, 5), /2 nodes -> 4/],
    ['desired already at the cap: nothing', obs(sc(1, 3, 3), 9), cap(3), 'none', undefined, /at the cap: 9 pending submissions, 3 nodes \(cap 3\)/],
    ['pending <= desired: nothing', obs(sc(1, 3, 5), 2), cap(5), 'none', undefined, /busy: 2 pending submissions, 3 nodes/],
    ['nothing pending: scale to 0 with min 0', obs(sc(1, 2, 5), 0), cap(5), 'scale-down', sc(0, 0, 5), /no pending submissions: 2 nodes -> 0/],
    ['nothing pending, already 0: nothing', obs(sc(0, 0, 1), 0), cap(5), 'none', undefined, /already at 0 nodes/],
    ['ended, nothing pending: scale to 0', obs(sc(1, 1, 2), 0, { ended: true }), cap(2), 'scale-down', sc(0, 0, 2), /ended, nothing pending/],
    ['ended with pending: draining, nodes kept', obs(sc(1, 2, 2), 3, { ended: true }), cap(2), 'none', undefined, /draining: ended with 3 pending submissions; 2 nodes kept/],
    ['ended with pending, no nodes: nothing (no scale-up after the end)', obs(sc(0, 0, 1), 3, { ended: true }), cap(2), 'none', undefined, /draining/],
    ['disabled, nothing pending: scale to 0', obs(sc(1, 2, 2), 0, { disabled: true }), cap(2), 'scale-down', sc(0, 0, 2), /challenge disabled, nothing pending: 2 nodes -> 0/],
    ['disabled with pending: draining, nodes kept', obs(sc(1, 2, 2), 5, { disabled: true }), cap(2), 'none', undefined, /draining: disabled with 5 pending submissions; 2 nodes kept/],
    ['disabled, pending unknown: nothing', obs(sc(1, 1, 2), 'unknown', { disabled: true }), cap(2), 'none', undefined, /pending submissions unknown/],
    ['pending unknown: nothing', obs(sc(1, 1, 2), 'unknown'), cap(2), 'none', undefined, /pending submissions unknown/],
    ['pending not read: nothing (not read is unknown, never 0: no scale-down)', obs(sc(1, 2, 2), 'not read'), cap(2), 'none', undefined, /pending submissions unknown/],
    ['disabled, pending not read: nothing', obs(sc(1, 1, 2), 'not read', { disabled: true }), cap(2), 'none', undefined, /pending submissions unknown/],
    ['unbounded maxSize from upstream, scale-up clamps it', obs(sc(1, 1, 40), 3), cap(4), 'scale-up', sc(1, 3, 4), /-> 3/],
    ['unbounded maxSize, busy: clamp it', obs(sc(1, 3, 40), 2), cap(4), 'clamp', sc(1, 3, 4), /maxSize 40 above the cap: set to 4/],
    ['unbounded maxSize at 0 nodes: clamp it', obs(sc(0, 0, 40), 0), cap(4), 'clamp', sc(0, 0, 4), /already at 0 nodes, maxSize 40 above the cap: set to 4/],
    ['scale-down clamps maxSize too', obs(sc(1, 3, 40), 0), cap(4), 'scale-down', sc(0, 0, 4), /3 nodes -> 0/],
    ['scale-down keeps a maxSize below the cap', obs(sc(1, 1, 1), 0), cap(4), 'scale-down', sc(0, 0, 1), /-> 0/],
    ['nodes above the cap while pending: left alone', obs(sc(1, 8, 40), 10), cap(5), 'none', undefined, /8 nodes is above the cap of 5: left while submissions are pending/],
    ['max_size above the desired cap', obs(sc(0, 0, 1), 9), cap(3, 6), 'scale-up', sc(1, 3, 6), /-> 3/],
    ['UPDATING: look again next run', obs(sc(0, 0, 1), 5, { status: 'UPDATING' }), cap(3), 'none', undefined, /is UPDATING: looked at again next run/],
    ['CREATING: look again next run', obs(sc(0, 0, 1), 5, { status: 'CREATING' }), cap(3), 'none', undefined, /CREATING/],
    ['DELETING: skipped', obs(sc(1, 1, 1), 0, { status: 'DELETING' }), cap(3), 'skip', undefined, /DELETING: not scaled/],
    ['DEGRADED is still scaled', obs(sc(0, 0, 1), 2, { status: 'DEGRADED' }), cap(3), 'scale-up', sc(1, 2, 3), /-> 2/],
  ];
  it.each(rows)('%s', (_name, o, caps, action, target, reason) => {
    const d = decideNodegroup(o, caps);
    expect(d.action).toBe(action);
    expect(d.target).toEqual(target);
    expect(d.reason).toMatch(reason);
  });

  it('publishes the numbers behind the decision', () => {
    const d = decideNodegroup(obs(sc(0, 0, 1), 2), cap(5));
    expect(d.facts).toMatchObject({ pending: 2, nodegroup: 'ng-1', current: sc(0, 0, 1), desiredCap: 5, maxSizeCap: 5, target: sc(1, 2, 5) });
  });

  it('every target keeps 0 <= minSize <= desiredSize <= maxSize <= cap and maxSize >= 1', () => {
    const pendings: Pending[] = [0, 1, 2, 3, 5, 8, 50, 'unknown', 'not read'];
    let checked = 0;
    for (const capN of [1, 2, 5])
      for (const maxExtra of [0, 3])
        for (const min of [0, 1, 2])
          for (const desired of [0, 1, 2, 4, 9])
            for (const max of [1, 2, 5, 10, 60]) {
              if (min > desired || desired > max) continue;
              for (const pending of pendings)
                for (const ended of [false, true])
                  for (const disabled of [false, true]) {
                    const caps = cap(capN, capN + maxExtra);
                    const d = decideNodegroup(obs(sc(min, desired, max), pending, { ended, disabled }), caps);
                    if (!d.target) continue;
                    checked++;
                    const t = d.target;
                    expect(t.minSize).toBeGreaterThanOrEqual(0);
                    expect(t.minSize).toBeLessThanOrEqual(t.desiredSize);
                    expect(t.desiredSize).toBeLessThanOrEqual(t.maxSize);
                    expect(t.maxSize).toBeGreaterThanOrEqual(1);
                    expect(t.maxSize).toBeLessThanOrEqual(caps.maxSize);
                    // Never fewer nodes while submissions are pending (disabled or not), nor when that is unknown.
                    if (typeof pending !== 'number' || pending > 0) expect(t.desiredSize).toBeGreaterThanOrEqual(desired);
                    // Never more nodes after the end.
                    if (ended) expect(t.desiredSize).toBeLessThanOrEqual(desired);
                  }
            }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('eksScope', () => {
  it.each([
    ['not docker-based', { isDockerBased: false, remoteEvaluation: false }, /not docker-based/],
    ['remote evaluation', { isDockerBased: true, remoteEvaluation: true }, /remote evaluation/],
    ['no cluster recorded', { isDockerBased: true, remoteEvaluation: false, clusterName: null }, /no EKS cluster recorded/],
  ])('%s -> skip', (_name, c, reason) => {
    const d = eksScope(c);
    expect(d?.action).toBe('skip');
    expect(d?.reason).toMatch(reason);
  });
  it('docker-based, evaluated by EvalAI -> in scope', () => {
    expect(eksScope({ isDockerBased: true, remoteEvaluation: false })).toBeNull();
    expect(eksScope({ isDockerBased: true, remoteEvaluation: false, clusterName: 'c' })).toBeNull();
  });
});

describe('chooseNodegroup', () => {
  it('takes the recorded or configured name without asking', () => {
    expect(chooseNodegroup('c', 'ng-b', ['ng-a', 'ng-b'])).toEqual({ ok: true, name: 'ng-b', how: 'recorded or configured' });
  });
  it('takes the only nodegroup of the cluster', () => {
    expect(chooseNodegroup('c', null, ['ng-a'])).toMatchObject({ ok: true, name: 'ng-a' });
  });
  it('refuses to guess among several (upstream takes the first)', () => {
    const c = chooseNodegroup('evalai-c', null, ['ng-a', 'ng-b']);
    expect(c.ok).toBe(false);
    expect(!c.ok && c.reason).toMatch(/cluster evalai-c has 2 nodegroups \(ng-a, ng-b\).*refusing to guess \(set nodegroup_name\)/);
  });
  it('fails on a cluster without nodegroups', () => {
    expect(chooseNodegroup('c', undefined, [])).toEqual({ ok: false, reason: 'cluster c has no nodegroup' });
  });
});
