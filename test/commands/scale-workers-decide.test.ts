import { describe, expect, it } from 'vitest';
import { decideWorkers, needsPending } from '../../src/commands/scale-workers/decide.js';
import type { Pending } from '../../src/core/pending.js';
import type { ScaleWorkersPolicy } from '../../src/commands/scale-workers/policy.js';
import { aChallenge, ended, NOW } from '../builders.js';

const prod: ScaleWorkersPolicy = { mode: 'prod', includeEc2: false };
const dev: ScaleWorkersPolicy = { mode: 'dev', includeEc2: false };

describe('decideWorkers: the decision table', () => {
  const rows: Array<[string, Parameters<typeof aChallenge>[0], Pending, ScaleWorkersPolicy, string, RegExp]> = [
    ['pending, workers null -> start', { workers: null }, 3, prod, 'start', /3 pending submissions and no worker/],
    ['pending, workers 0 -> start', { workers: 0 }, 1, prod, 'start', /1 pending submission and no worker/],
    ['pending, worker up -> nothing', { workers: 1 }, 2, prod, 'none', /busy: 2 pending, 1 worker up/],
    ['nothing pending, worker up -> stop', { workers: 1 }, 0, prod, 'stop', /no pending submissions, 1 worker up/],
    ['nothing pending, 2 workers up -> stop', { workers: 2 }, 0, prod, 'stop', /2 workers up/],
    ['nothing pending, no worker -> nothing', { workers: 0 }, 0, prod, 'none', /idle/],
    ['ended, worker up, nothing pending -> left to stop-idle, never stop', { workers: 1, ...ended() }, 0, prod, 'none', /left to stop-idle/],
    ['ended, worker up, pending -> draining', { workers: 1, ...ended() }, 4, prod, 'none', /draining: ended with 4 pending/],
    ['ended, no worker, pending -> nothing (never start)', { workers: 0, ...ended() }, 5, prod, 'none', /ended, no worker/],
    ['ended, workers null -> nothing', { workers: null, ...ended() }, 0, prod, 'none', /ended, no worker/],
    ['null end date means no end: pending -> start', { workers: null, endDate: null }, 1, prod, 'start', /pending/],
    ['null end date, idle worker -> stop', { workers: 1, endDate: null }, 0, prod, 'stop', /no pending/],
    ['pending unknown -> nothing', { workers: 1 }, 'unknown', prod, 'none', /unknown/],
    ['pending unknown, no worker -> nothing', { workers: null }, 'unknown', prod, 'none', /unknown/],
    ['pending not read, worker up -> nothing (not read is unknown, never 0: no stop)', { workers: 1 }, 'not read', prod, 'none', /pending submissions unknown/],
    ['pending not read, ended with worker up -> nothing', { workers: 1, ...ended() }, 'not read', prod, 'none', /pending submissions unknown/],
    ['prod: remote evaluation -> skip', { remoteEvaluation: true }, 3, prod, 'skip', /remote evaluation/],
    ['dev: remote evaluation is scaled', { remoteEvaluation: true }, 3, dev, 'start', /pending/],
    ['EC2 worker -> left to scale-ec2', { usesEc2Worker: true }, 3, prod, 'skip', /scale-ec2/],
    ['EC2 worker with --include-ec2 -> start', { usesEc2Worker: true }, 3, { ...prod, includeEc2: true }, 'start', /pending/],
  ];
  it.each(rows)('%s', (_name, overrides, pending, policy, action, reason) => {
    const d = decideWorkers(aChallenge(overrides), pending, policy, NOW);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });

  it('a count that was not read (needsPending said no) is recorded as such, not as 0', () => {
    const d = decideWorkers(aChallenge({ workers: null, ...ended(900) }), 'not read', prod, NOW);
    expect(d).toEqual({ action: 'none', reason: 'ended, no worker', facts: { pending: 'not read', workers: null, ended: true } });
  });

  it('an end date exactly now counts as ended (the server refuses stop from then on)', () => {
    const d = decideWorkers(aChallenge({ workers: 1, endDate: NOW }), 0, prod, NOW);
    expect(d.action).toBe('none');
  });

  it('never decides stop for an ended challenge, whatever the counts', () => {
    for (const workers of [null, 0, 1, 5]) {
      for (const pending of [0, 1, 'unknown'] as Pending[]) {
        const d = decideWorkers(aChallenge({ workers, ...ended(1) }), pending, prod, NOW);
        expect(d.action === 'stop' || d.action === 'start').toBe(false);
      }
    }
  });

  it('never stops while submissions are pending or the count is unknown', () => {
    for (const workers of [1, 3]) {
      for (const pending of [1, 100, 'unknown', 'not read'] as Pending[]) {
        expect(decideWorkers(aChallenge({ workers }), pending, prod, NOW).action).not.toBe('stop');
      }
    }
  });
});

describe('needsPending: metrics are fetched only where they can change the outcome', () => {
  it('skips long-ended challenges without a worker', () => {
    expect(needsPending(aChallenge({ workers: null, ...ended(900) }), prod, NOW)).toBe(false);
    expect(needsPending(aChallenge({ workers: 0, ...ended(1) }), prod, NOW)).toBe(false);
  });
  it('reads ended challenges that still have a worker (to report draining)', () => {
    expect(needsPending(aChallenge({ workers: 1, ...ended(1) }), prod, NOW)).toBe(true);
  });
  it('reads every active challenge in scope', () => {
    expect(needsPending(aChallenge({ workers: null }), prod, NOW)).toBe(true);
    expect(needsPending(aChallenge({ workers: 1, endDate: null }), prod, NOW)).toBe(true);
  });
  it('skips out-of-scope challenges', () => {
    expect(needsPending(aChallenge({ remoteEvaluation: true }), prod, NOW)).toBe(false);
    expect(needsPending(aChallenge({ usesEc2Worker: true }), prod, NOW)).toBe(false);
  });
});
