import { describe, expect, it } from 'vitest';
import { createPacer } from '../../src/runtime/rate-limit.js';

function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    advance: (ms: number) => (t += ms),
  };
}

describe('createPacer', () => {
  it('lets a burst up to the budget through without waiting', async () => {
    const clock = fakeClock();
    const pacer = createPacer(5, clock);
    for (let i = 0; i < 5; i++) await pacer.take();
    expect(clock.sleeps).toEqual([]);
    expect(pacer.taken).toBe(5);
  });

  it('makes the call past the budget wait until the oldest leaves the 60 s window', async () => {
    const clock = fakeClock();
    const pacer = createPacer(3, clock);
    await pacer.take();
    clock.advance(10_000);
    await pacer.take();
    await pacer.take();
    await pacer.take(); // 4th: must wait until t = 60 000 (first call + 60 s)
    expect(clock.sleeps).toEqual([50_000]);
    expect(clock.now()).toBe(60_000);
  });

  it('never admits more than the budget in any 60 s window, even with concurrent callers', async () => {
    const clock = fakeClock();
    const pacer = createPacer(4, clock);
    const admitted: number[] = [];
    await Promise.all(Array.from({ length: 13 }, () => pacer.take().then(() => admitted.push(clock.now()))));
    for (const t of admitted) {
      expect(admitted.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(4);
    }
    expect(admitted.length).toBe(13);
  });
});
