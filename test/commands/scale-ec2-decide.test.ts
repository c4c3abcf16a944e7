import { describe, expect, it } from 'vitest';
import { EC2_STATES, type Ec2StateName } from '../../src/aws/ec2.js';
import { decideEc2, ec2NeedsPending, type InstanceView } from '../../src/commands/scale-ec2/decide.js';
import type { Pending } from '../../src/core/pending.js';
import { aChallenge, ended, NOW } from '../builders.js';

const ec2 = { usesEc2Worker: true };
const at = (state: Ec2StateName): InstanceView => ({ instanceId: 'i-0123456789abcdef0', state });

describe('decideEc2: the decision table', () => {
  const rows: Array<[string, Parameters<typeof aChallenge>[0], InstanceView, Pending, string, RegExp]> = [
    ['pending, stopped -> start', ec2, at('stopped'), 3, 'start', /3 pending submissions and instance i-0123456789abcdef0 stopped/],
    ['1 pending, stopped -> start', ec2, at('stopped'), 1, 'start', /1 pending submission and/],
    ['nothing pending, running -> stop', ec2, at('running'), 0, 'stop', /no pending submissions, instance i-\w+ running/],
    ['ended, nothing pending, running -> stop (allowed after end)', { ...ec2, ...ended() }, at('running'), 0, 'stop', /ended, nothing pending/],
    ['ended with pending, running -> draining, never stop', { ...ec2, ...ended() }, at('running'), 4, 'none', /draining: ended with 4 pending submissions/],
    ['pending, running -> busy', ec2, at('running'), 2, 'none', /busy: 2 pending/],
    ['nothing pending, stopped -> idle', ec2, at('stopped'), 0, 'none', /idle/],
    ['ended, stopped, pending -> never start', { ...ec2, ...ended() }, at('stopped'), 5, 'none', /ended, instance .* stopped/],
    ['pending state -> in transition', ec2, at('pending'), 3, 'none', /is pending \(in transition\): looked at again next run/],
    ['stopping state -> in transition', ec2, at('stopping'), 0, 'none', /is stopping \(in transition\)/],
    ['stopping with pending -> in transition (no start)', ec2, at('stopping'), 5, 'none', /in transition/],
    ['terminated -> reported and skipped', ec2, at('terminated'), 3, 'skip', /terminated: nothing to start or stop/],
    ['shutting-down -> reported and skipped', ec2, at('shutting-down'), 0, 'skip', /shutting-down/],
    ['running, pending unknown -> nothing', ec2, at('running'), 'unknown', 'none', /pending submissions unknown/],
    ['stopped, pending unknown -> nothing', ec2, at('stopped'), 'unknown', 'none', /pending submissions unknown/],
    ['running, pending not read -> nothing (not read is unknown, never 0: no stop)', ec2, at('running'), 'not read', 'none', /pending submissions unknown/],
    ['instance unknown -> nothing', ec2, 'unknown', 3, 'none', /instance state unknown/],
    ['not an EC2 challenge -> skipped', { usesEc2Worker: false }, at('running'), 0, 'skip', /does not use an EC2 worker/],
    ['null end date is no end: pending, stopped -> start', { ...ec2, endDate: null }, at('stopped'), 1, 'start', /pending/],
  ];
  it.each(rows)('%s', (_name, overrides, instance, pending, action, reason) => {
    const d = decideEc2(aChallenge(overrides), instance, pending, NOW);
    expect(d.action).toBe(action);
    expect(d.reason).toMatch(reason);
  });

  it('publishes the facts behind each decision', () => {
    const d = decideEc2(aChallenge(ec2), at('running'), 0, NOW);
    expect(d.facts).toEqual({ instanceId: 'i-0123456789abcdef0', state: 'running', pending: 0, ended: false });
  });

  it('an end date exactly now counts as ended: no start', () => {
    expect(decideEc2(aChallenge({ ...ec2, endDate: NOW }), at('stopped'), 2, NOW).action).toBe('none');
  });

  it('never stops while submissions are pending or the count is unknown, ended or not', () => {
    for (const overrides of [ec2, { ...ec2, ...ended() }]) {
      for (const state of EC2_STATES) {
        for (const pending of [1, 7, 'unknown'] as Pending[]) {
          expect(decideEc2(aChallenge(overrides), at(state), pending, NOW).action).not.toBe('stop');
        }
      }
    }
  });

  it('starts only a stopped instance, and stops only a running one', () => {
    for (const state of EC2_STATES) {
      for (const pending of [0, 1, 'unknown'] as Pending[]) {
        const d = decideEc2(aChallenge(ec2), at(state), pending, NOW);
        if (d.action === 'start') expect(state).toBe('stopped');
        if (d.action === 'stop') expect(state).toBe('running');
      }
    }
  });
});

describe('ec2NeedsPending: the metrics are read only where they can change the decision', () => {
  it('reads for a running instance, ended or not', () => {
    expect(ec2NeedsPending(aChallenge(ec2), at('running'), NOW)).toBe(true);
    expect(ec2NeedsPending(aChallenge({ ...ec2, ...ended() }), at('running'), NOW)).toBe(true);
  });
  it('reads for a stopped instance of an active challenge only', () => {
    expect(ec2NeedsPending(aChallenge(ec2), at('stopped'), NOW)).toBe(true);
    expect(ec2NeedsPending(aChallenge({ ...ec2, ...ended() }), at('stopped'), NOW)).toBe(false);
  });
  it('does not read for transitions, terminated instances, unknown instances or other challenges', () => {
    for (const state of ['pending', 'stopping', 'terminated', 'shutting-down'] as const) {
      expect(ec2NeedsPending(aChallenge(ec2), at(state), NOW)).toBe(false);
    }
    expect(ec2NeedsPending(aChallenge(ec2), 'unknown', NOW)).toBe(false);
    expect(ec2NeedsPending(aChallenge({ usesEc2Worker: false }), at('running'), NOW)).toBe(false);
  });
});
