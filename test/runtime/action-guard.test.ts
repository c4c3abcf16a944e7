import { describe, expect, it } from 'vitest';
import { ActionGuard } from '../../src/runtime/action-guard.js';
import { Deadline } from '../../src/runtime/deadline.js';

describe('ActionGuard', () => {
  it('allows one action per target per run', () => {
    const g = new ActionGuard(10);
    expect(g.claim('challenge:1', 'start')).toEqual({ ok: true });
    expect(g.claim('challenge:1', 'stop')).toEqual({ ok: false, reason: 'challenge:1 was already acted on in this run (start)' });
    expect(g.used).toBe(1);
  });
  it('refuses past --max-actions and counts the refusals', () => {
    const g = new ActionGuard(2);
    expect(g.claim('a', 'x').ok).toBe(true);
    expect(g.claim('b', 'x').ok).toBe(true);
    expect(g.claim('c', 'x')).toEqual({ ok: false, reason: 'refused: --max-actions 2 reached in this run' });
    expect(g.refused).toBe(1);
  });
  it('a deferred saving waits in line; past --max-actions places it is refused at once (it could never go), so the line stays bounded', () => {
    const g = new ActionGuard(2);
    expect(g.defer('challenge:1').ok).toBe(true);
    expect(g.defer('challenge:2').ok).toBe(true);
    expect(g.defer('challenge:3')).toMatchObject({ ok: false, reason: expect.stringMatching(/^refused: --max-actions 2 reached in this run/) });
    expect(g.refused).toBe(1);
    expect(g.used).toBe(0); // a place in line is not an action: the claim comes at the end
    g.halt('SIGTERM received');
    expect(g.defer('challenge:4')).toEqual({ ok: false, reason: 'SIGTERM received', halted: true });
  });
});

describe('Deadline', () => {
  it('expires at its time', () => {
    let t = 1000;
    const d = Deadline.after(500, () => t);
    expect(d.expired()).toBe(false);
    expect(d.remainingMs()).toBe(500);
    t = 1500;
    expect(d.expired()).toBe(true);
    expect(d.remainingMs()).toBe(0);
  });
  it('never() never expires', () => expect(Deadline.never().expired()).toBe(false));
});

describe('Deadline: signals and abandonment', () => {
  it('a signal expires it at once and is remembered', () => {
    const d = Deadline.after(60_000);
    d.interrupt('SIGTERM');
    d.interrupt('SIGINT');
    expect(d.expired()).toBe(true);
    expect(d.remainingMs()).toBe(0);
    expect(d.interruptedBy).toBe('SIGTERM');
  });
  it('abandoned settles once, with the first reason', async () => {
    const d = Deadline.never();
    d.abandon('first');
    d.abandon('second');
    await expect(d.abandoned).resolves.toBe('first');
  });
});

describe('withAbandonment', () => {
  it('passes a result through', async () => {
    const { withAbandonment } = await import('../../src/runtime/watchdog.js');
    await expect(withAbandonment(Promise.resolve(7), Deadline.never())).resolves.toBe(7);
  });
  it('gives up on work that ignores an abandoned deadline: exit 5, or 143 after SIGTERM', async () => {
    const { withAbandonment } = await import('../../src/runtime/watchdog.js');
    const never = new Promise<never>(() => undefined);
    const d = Deadline.never();
    d.abandon('abandoned 300 s after it started');
    await expect(withAbandonment(never, d)).rejects.toMatchObject({ exitCode: 5, message: expect.stringMatching(/^abandoned 300 s after it started; /) });
    const s = Deadline.never();
    s.interrupt('SIGTERM');
    s.abandon('SIGTERM received and the 10 s grace ran out');
    await expect(withAbandonment(never, s)).rejects.toMatchObject({ exitCode: 143 });
  });
});
