import { describe, expect, it } from 'vitest';
import { decideIdle, needsPending } from '../../src/commands/stop-idle/decide.js';
import type { Pending } from '../../src/core/pending.js';
import { DEFAULT_STOP_IDLE_POLICY, type StopIdlePolicy } from '../../src/commands/stop-idle/policy.js';
import type { Challenge } from '../../src/core/challenge.js';
import { aChallenge, NOW } from '../builders.js';

const HOUR = 3_600_000;
const policy = DEFAULT_STOP_IDLE_POLICY;
const stopPolicy: StopIdlePolicy = { ...policy, unapprovedAction: 'stop' };
const endedHoursAgo = (h: number) => ({ endDate: NOW.minus({ hours: h }) });
const unapproved = (createdHoursAgo: number) => ({ approvedByAdmin: false, createdAt: NOW.minus({ hours: createdHoursAgo }) });

describe('decideIdle: the decision table (grace 1 d, unapproved after 2 d)', () => {
  const rows: Array<[string, Partial<Challenge>, Pending, StopIdlePolicy, string, RegExp]> = [
    ['ended 3 d ago, worker up, nothing pending -> delete', { workers: 1, ...endedHoursAgo(72) }, 0, policy, 'delete', /^ended 3 d ago \(grace 1 d\), nothing pending$/],
    ['ended 3 d ago, worker stopped (0) -> delete (the service still exists)', { workers: 0, ...endedHoursAgo(72) }, 0, policy, 'delete', /ended 3 d ago/],
    ['ended 3 d ago with --action stop -> still delete (stop is refused after end_date)', { workers: 1, ...endedHoursAgo(72) }, 0, stopPolicy, 'delete', /ended/],
    ['ended 3 d ago, 4 pending -> keep (draining)', { workers: 1, ...endedHoursAgo(72) }, 4, policy, 'none', /^draining: .*4 submissions pending; worker kept until they finish/],
    ['ended 3 d ago, 1 pending -> keep', { workers: 1, ...endedHoursAgo(72) }, 1, policy, 'none', /1 submission pending/],
    ['ended 3 d ago, pending unknown -> keep', { workers: 1, ...endedHoursAgo(72) }, 'unknown', policy, 'none', /pending submissions are unknown; worker kept/],
    ['ended 3 d ago, pending not read -> keep (not read is unknown, never 0)', { workers: 1, ...endedHoursAgo(72) }, 'not read', policy, 'none', /pending submissions are unknown; worker kept/],
    ['unapproved 3 d old, pending not read, --action stop -> keep', { workers: 1, ...unapproved(72) }, 'not read', stopPolicy, 'none', /unknown/],
    ['ended 5 h ago (within grace) -> keep', { workers: 1, ...endedHoursAgo(5) }, 0, policy, 'none', /ended 5 h ago, within the 1 d grace period/],
    ['ended exactly 1 d ago -> keep (more than the grace only)', { workers: 1, ...endedHoursAgo(24) }, 0, policy, 'none', /within the 1 d grace/],
    ['ended 25 h ago -> delete', { workers: 1, ...endedHoursAgo(25) }, 0, policy, 'delete', /ended 1 d 1 h ago/],
    ['ended long ago, no worker -> nothing', { workers: null, ...endedHoursAgo(9000) }, 0, policy, 'none', /^no worker$/],
    ['docker-based, ended 3 d ago, nothing pending -> delete (its ECS worker too)', { workers: 1, isDockerBased: true, ...endedHoursAgo(72) }, 0, policy, 'delete', /^ended 3 d ago \(grace 1 d\), nothing pending$/],
    ['docker-based, ended 3 d ago, 2 pending -> keep (draining)', { workers: 1, isDockerBased: true, ...endedHoursAgo(72) }, 2, policy, 'none', /^draining: .*2 submissions pending/],
    ['docker-based, ended 3 d ago, pending unknown -> keep', { workers: 1, isDockerBased: true, ...endedHoursAgo(72) }, 'unknown', policy, 'none', /pending submissions are unknown; worker kept/],
    ['docker-based, ended 5 h ago (within grace) -> keep', { workers: 1, isDockerBased: true, ...endedHoursAgo(5) }, 0, policy, 'none', /within the 1 d grace/],
    ['docker-based, unapproved 3 d old -> delete', { workers: 1, isDockerBased: true, ...unapproved(72) }, 0, policy, 'delete', /^unapproved, created 3 d ago/],
    ['docker-based, no worker -> nothing', { workers: null, isDockerBased: true, ...endedHoursAgo(72) }, 0, policy, 'none', /^no worker$/],
    ['unapproved 3 d old, not ended -> delete', { workers: 1, ...unapproved(72) }, 0, policy, 'delete', /^unapproved, created 3 d ago \(limit 2 d\), nothing pending$/],
    ['unapproved 3 d old with --action stop -> stop', { workers: 1, ...unapproved(72) }, 0, stopPolicy, 'stop', /unapproved/],
    ['unapproved 3 d old, already stopped, --action stop -> nothing', { workers: 0, ...unapproved(72) }, 0, stopPolicy, 'none', /already stopped/],
    ['unapproved 3 d old, workers 0, delete -> delete', { workers: 0, ...unapproved(72) }, 0, policy, 'delete', /unapproved/],
    ['unapproved 3 d old, 2 pending -> keep', { workers: 1, ...unapproved(72) }, 2, policy, 'none', /draining: .*2 submissions pending/],
    ['unapproved 3 d old, pending unknown -> keep', { workers: 1, ...unapproved(72) }, 'unknown', stopPolicy, 'none', /unknown/],
    ['unapproved 1 d old -> keep', { workers: 1, ...unapproved(24) }, 0, policy, 'none', /unapproved, created 1 d ago \(acts after 2 d\)/],
    ['unapproved, created_at null -> keep', { workers: 1, approvedByAdmin: false, createdAt: null }, 0, policy, 'none', /creation time is unknown/],
    ['unapproved, ended 5 h ago (within grace), old -> keep (ended rules apply)', { workers: 1, ...unapproved(500), ...endedHoursAgo(5) }, 0, stopPolicy, 'none', /grace/],
    ['unapproved, ended 3 d ago, --action stop -> delete', { workers: 1, ...unapproved(500), ...endedHoursAgo(72) }, 0, stopPolicy, 'delete', /ended 3 d ago/],
    ['approved, active, worker up -> nothing', { workers: 1 }, 0, policy, 'none', /active/],
    ['approved, no end date -> nothing', { workers: 1, endDate: null }, 0, policy, 'none', /no end date/],
    ['--grace 7d: ended 3 d ago -> keep', { workers: 1, ...endedHoursAgo(72) }, 0, { ...policy, graceMs: 7 * 24 * HOUR }, 'none', /within the 7 d grace/],
    ['--unapproved-after 12h: 13 h old -> delete', { workers: 1, ...unapproved(13) }, 0, { ...policy, unapprovedAfterMs: 12 * HOUR }, 'delete', /limit 12 h/],
  ];
  it.each(rows)('%s', (_name, overrides, pending, p, action, reason) => {
    const d = decideIdle(aChallenge(overrides), pending, p, NOW);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });

  it('never removes a worker while submissions are pending or their count is unknown', () => {
    const challenges = [{ workers: 1, ...endedHoursAgo(72) }, { workers: 0, ...endedHoursAgo(9000) }, { workers: 3, ...unapproved(100) }, { workers: 1, isDockerBased: true, ...endedHoursAgo(72) }];
    for (const c of challenges) {
      for (const pending of [1, 50, 'unknown', 'not read'] as Pending[]) {
        for (const p of [policy, stopPolicy]) expect(decideIdle(aChallenge(c), pending, p, NOW).action).toBe('none');
      }
    }
  });

  it('never decides stop for an ended challenge', () => {
    for (const hours of [1, 25, 72, 9000]) {
      for (const workers of [0, 1, 2]) {
        expect(decideIdle(aChallenge({ workers, ...unapproved(1000), ...endedHoursAgo(hours) }), 0, stopPolicy, NOW).action).not.toBe('stop');
      }
    }
  });

  it('publishes the facts behind a removal', () => {
    expect(decideIdle(aChallenge({ workers: 1, ...endedHoursAgo(72) }), 0, policy, NOW).facts).toEqual({ workers: 1, approved: true, endedSeconds: 72 * 3600, pending: 0 });
  });
});

describe('needsPending: metrics only where the worker would go', () => {
  it('reads pending for removal candidates only', () => {
    expect(needsPending(aChallenge({ workers: 1, ...endedHoursAgo(72) }), policy, NOW)).toBe(true);
    expect(needsPending(aChallenge({ workers: 1, ...unapproved(72) }), policy, NOW)).toBe(true);
    expect(needsPending(aChallenge({ workers: null, ...endedHoursAgo(72) }), policy, NOW)).toBe(false);
    expect(needsPending(aChallenge({ workers: 1 }), policy, NOW)).toBe(false);
    expect(needsPending(aChallenge({ workers: 1, isDockerBased: true, ...endedHoursAgo(72) }), policy, NOW)).toBe(true);
    expect(needsPending(aChallenge({ workers: 1, isDockerBased: true, ...endedHoursAgo(2) }), policy, NOW)).toBe(false);
    expect(needsPending(aChallenge({ workers: 1, ...endedHoursAgo(2) }), policy, NOW)).toBe(false);
  });
});
