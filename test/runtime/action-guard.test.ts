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

describe('withHardDeadline', () => {
  it('passes a result through', async () => {
    const { withHardDeadline } = await import('../../src/runtime/watchdog.js');
    await expect(withHardDeadline(Promise.resolve(7), 1_000)).resolves.toBe(7);
  });
  it('abandons work that never settles, with exit 5', async () => {
    const { withHardDeadline } = await import('../../src/runtime/watchdog.js');
    const never = new Promise<never>(() => undefined);
    await expect(withHardDeadline(never, 20)).rejects.toMatchObject({ exitCode: 5, message: expect.stringMatching(/^abandoned: /) });
  });
});
