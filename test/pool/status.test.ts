import { describe, expect, it } from 'vitest';
import { EMPTY_TICK_STATE } from '../../src/pool/tick.js';
import { parseTickState, serializeTickState } from '../../src/pool/state-file.js';
import { describeCounts, stateCounts, statusRows } from '../../src/pool/status.js';
import { host, MIN, NOW, probed } from './builders.js';

describe('status rows', () => {
  it('every host with state, type, lifecycle, cost, age in state, in table order', () => {
    const rows = statusRows(
      [
        host('i-b', 'draining', { since: NOW - 5 * MIN, instanceType: 'c5.large', lifecycle: 'spot', zone: 'us-east-1a', probe: probed(2) }),
        host('i-a', 'launching', { since: NOW - 90_000, instanceType: 'g4dn.xlarge', lifecycle: 'on-demand', cloud: 'pending' }),
        host('i-c', 'untracked', { since: null }),
      ],
      NOW,
      { 'i-b': 0.0312 },
    );
    expect(rows).toEqual([
      { id: 'i-a', state: 'launching', cloud: 'pending', type: 'g4dn.xlarge', lifecycle: 'on-demand', zone: '-', usdPerHour: null, inStateMs: 90_000, inState: '1 min', jobs: null },
      { id: 'i-b', state: 'draining', cloud: 'running', type: 'c5.large', lifecycle: 'spot', zone: 'us-east-1a', usdPerHour: 0.0312, inStateMs: 300_000, inState: '5 min', jobs: 2 },
      { id: 'i-c', state: 'untracked', cloud: 'running', type: '-', lifecycle: '-', zone: '-', usdPerHour: null, inStateMs: null, inState: '-', jobs: null },
    ]);
  });

  it('counts by state', () => {
    const counts = stateCounts([host('a', 'ready'), host('b', 'ready'), host('c', 'launching')]);
    expect(counts).toMatchObject({ ready: 2, launching: 1, draining: 0 });
    expect(describeCounts(counts)).toBe('1 launching, 2 ready');
    expect(describeCounts(stateCounts([]))).toBe('no hosts');
  });

  it('an instance EC2 shows terminated counts and shows as terminated, whatever its tag says', () => {
    const hosts = [host('a', 'ready'), host('b', 'ready', { cloud: 'terminated' }), host('c', 'terminating', { cloud: 'terminated' })];
    expect(describeCounts(stateCounts(hosts))).toBe('1 ready, 2 terminated');
    expect(statusRows(hosts, NOW).map((r) => `${r.id}:${r.state}`)).toEqual(['a:ready', 'b:terminated', 'c:terminated']);
  });
});

describe('the pool state file', () => {
  it('round-trips the history and the backoff', () => {
    const state = { history: { belowSince: NOW }, backoff: { 'spot:c5.large': { until: NOW + 60_000, stepMs: 60_000 } } };
    expect(parseTickState(serializeTickState(state))).toEqual({ state });
  });

  it('reads the older backoff shape (offer -> until ms)', () => {
    const old = JSON.stringify({ version: 1, history: { belowSince: null }, backoff: { 'spot:c5.large': NOW + 60_000 } });
    expect(parseTickState(old)).toEqual({ state: { history: { belowSince: null }, backoff: { 'spot:c5.large': { until: NOW + 60_000, stepMs: 0 } } } });
  });

  it('keeps the gone hosts already recorded, so each is recorded once', () => {
    const state = { history: { belowSince: null, gone: { 'i-0abc': NOW } }, backoff: {} };
    expect(parseTickState(serializeTickState(state))).toEqual({ state });
  });

  it('keeps the hosts drained on an AWS warning, so a later tick does not recapture them', () => {
    const state = { history: { belowSince: null, interrupted: { 'i-0abc': NOW } }, backoff: {} };
    expect(parseTickState(serializeTickState(state))).toEqual({ state });
  });

  it('no file: an empty history', () => {
    expect(parseTickState(null)).toEqual({ state: EMPTY_TICK_STATE });
  });

  it('a broken file: an empty history and a warning, not a failure', () => {
    expect(parseTickState('{"version": 1, "history": {}')).toEqual({ state: EMPTY_TICK_STATE, warning: 'the pool state file is not valid JSON: starting from an empty history' });
    expect(parseTickState('{"version": 1, "history": {"belowSince": "yesterday"}, "backoff": {}}')).toEqual({
      state: EMPTY_TICK_STATE,
      warning: expect.stringMatching(/not understood \(field history\.belowSince: expected number, received string\)/),
    });
  });
});
