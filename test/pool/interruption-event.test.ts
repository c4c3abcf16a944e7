import { describe, expect, it } from 'vitest';
import { noticeReason, parseInterruptionMessage } from '../../src/pool/interruption-event.js';
import { fixture, FIXTURE_ID as ID } from './interruption-fixtures.js';

describe('reading an interruption queue message', () => {
  it('a spot interruption warning names the instance, its action, and the reclaim two minutes later', () => {
    const parsed = parseInterruptionMessage(fixture('spot-interruption-warning'));
    expect(parsed).toEqual({ notice: { kind: 'spot-interruption', instanceIds: [ID], detail: 'terminate', at: Date.parse('2026-11-29T12:03:00Z'), by: Date.parse('2026-11-29T12:05:00Z'), eventId: '12345678-1234-1234-1234-123456789012' } });
    if (!('notice' in parsed)) throw new Error('no notice');
    expect(noticeReason(parsed.notice, ID)).toBe(`spot interruption warning for ${ID} at 2026-11-29T12:03:00Z (instance-action terminate), reclaim at 2026-11-29T12:05:00Z: drained, a replacement counted for`);
  });

  it('a rebalance recommendation is a notice of its own kind', () => {
    expect(parseInterruptionMessage(fixture('rebalance-recommendation'))).toMatchObject({ notice: { kind: 'rebalance', instanceIds: [ID], at: Date.parse('2026-11-29T11:50:00Z') } });
  });

  it('a state change to terminated, stopping, stopped or shutting-down is a notice; to running or pending it is ignored', () => {
    expect(parseInterruptionMessage(fixture('state-change-terminated'))).toMatchObject({ notice: { kind: 'state-change', instanceIds: [ID], detail: 'terminated' } });
    for (const state of ['stopping', 'stopped', 'shutting-down']) {
      expect(parseInterruptionMessage(fixture('state-change-terminated', (e) => ((e.detail as Record<string, unknown>).state = state)))).toMatchObject({ notice: { detail: state } });
    }
    for (const state of ['running', 'pending']) {
      expect(parseInterruptionMessage(fixture('state-change-terminated', (e) => ((e.detail as Record<string, unknown>).state = state)))).toEqual({ ignored: expect.stringContaining(`is ${state}`) });
    }
  });

  it('an AWS Health scheduled change for EC2 names its affected instances and when it starts', () => {
    expect(parseInterruptionMessage(fixture('health-scheduled-change'))).toMatchObject({
      notice: { kind: 'scheduled-change', instanceIds: [ID], detail: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED', by: Date.parse('2026-12-01T14:00:00Z') },
    });
  });

  it('an AWS Health event that is not an EC2 scheduled change is ignored', () => {
    const issue = fixture('health-scheduled-change', (e) => ((e.detail as Record<string, unknown>).eventTypeCategory = 'issue'));
    expect(parseInterruptionMessage(issue)).toEqual({ ignored: expect.stringContaining('not an EC2 scheduled change') });
    const rds = fixture('health-scheduled-change', (e) => ((e.detail as Record<string, unknown>).service = 'RDS'));
    expect(parseInterruptionMessage(rds)).toEqual({ ignored: expect.stringContaining('RDS') });
  });

  it('other EventBridge events are ignored', () => {
    expect(parseInterruptionMessage(JSON.stringify({ 'detail-type': 'EC2 Fleet Error', source: 'aws.ec2', time: '2026-11-29T12:00:00Z', detail: {} }))).toEqual({ ignored: 'EC2 Fleet Error: not an interruption event' });
  });

  it.each([
    ['', /empty/],
    ['{"detail-type": "EC2 Spot', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"hello": "world"}', /no detail-type/],
    [fixture('spot-interruption-warning', (e) => delete e.detail), /no detail object/],
    [fixture('spot-interruption-warning', (e) => (e.time = 'soon')), /not a date/],
    [fixture('spot-interruption-warning', (e) => ((e.detail as Record<string, unknown>)['instance-id'] = 'arn:aws:ec2:x')), /not an instance id/],
    [fixture('spot-interruption-warning', (e) => delete (e.detail as Record<string, unknown>)['instance-action']), /no detail instance-action/],
    [fixture('state-change-terminated', (e) => delete (e.detail as Record<string, unknown>).state), /no detail state/],
  ])('a garbled body is unreadable, never a notice: %s', (body, why) => {
    const parsed = parseInterruptionMessage(body);
    expect(parsed).toEqual({ unreadable: expect.stringMatching(why) });
  });
});
