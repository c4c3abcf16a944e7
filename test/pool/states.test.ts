import { describe, expect, it } from 'vitest';
import { HOST_STATES, TRANSITIONS, TransitionError, UNTRACKED, canTransition, isCounting, transition, type FromState, type HostState } from '../../src/pool/states.js';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const host = (state: FromState, since: number | null = NOW - 60_000) => ({ id: 'i-1', state, since, extra: 'kept' });

describe('the host state table', () => {
  const allowed: Array<[FromState, HostState]> = [
    ['launching', 'ready'],
    ['ready', 'draining'],
    ['draining', 'terminating'],
    ['terminating', 'terminated'],
    ['draining', 'ready'],
    ['launching', 'unhealthy'],
    ['ready', 'unhealthy'],
    ['draining', 'unhealthy'],
    ['unhealthy', 'terminating'],
    ['launching', 'terminating'],
    ['launching', 'draining'],
    ['ready', 'terminated'],
    [UNTRACKED, 'ready'],
    [UNTRACKED, 'launching'],
    [UNTRACKED, 'terminating'],
  ];
  it.each(allowed)('%s -> %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    const { host: moved, move } = transition(host(from), to, 'because', NOW);
    expect(moved).toEqual({ id: 'i-1', state: to, since: NOW, extra: 'kept' });
    expect(move).toEqual({ hostId: 'i-1', from, to, reason: 'because', at: NOW });
  });

  const refused: Array<[FromState, HostState]> = [
    ['ready', 'terminating'],
    ['ready', 'launching'],
    ['unhealthy', 'ready'],
    ['unhealthy', 'draining'],
    ['terminating', 'ready'],
    ['terminating', 'unhealthy'],
    ['terminated', 'launching'],
    ['terminated', 'ready'],
    ['terminated', 'terminated'],
    ['ready', 'ready'],
    [UNTRACKED, 'draining'],
  ];
  it.each(refused)('%s -> %s throws and names the move', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => transition(host(from), to, 'because', NOW)).toThrow(TransitionError);
    expect(() => transition(host(from), to, 'because', NOW)).toThrow(`host i-1: no move ${from} -> ${to} in the host state table`);
  });

  it('a move without a reason is refused', () => {
    expect(() => transition(host('ready'), 'draining', '  ', NOW)).toThrow(/needs a reason/);
  });

  it('does not change the host it is given', () => {
    const h = host('ready');
    transition(h, 'draining', 'excess', NOW);
    expect(h.state).toBe('ready');
  });

  it('terminated is final and every other state can reach it', () => {
    expect(TRANSITIONS.terminated).toEqual([]);
    for (const s of [UNTRACKED, ...HOST_STATES].filter((s) => s !== 'terminated')) expect(canTransition(s, 'terminated')).toBe(true);
  });

  it('only ready and launching hosts count towards the pool size', () => {
    expect([UNTRACKED, ...HOST_STATES].filter((s) => isCounting(s))).toEqual(['launching', 'ready']);
  });
});
