import { describe, expect, it } from 'vitest';
import { MAX_FAILING_ITEMS, nextFailing } from '../../src/runtime/failing.js';

const T1 = '2026-11-22T06:00:00.000Z';
const T2 = '2026-11-22T06:05:00.000Z';
const T3 = '2026-11-22T06:10:00.000Z';

describe('nextFailing: what keeps failing, and since when', () => {
  it('keeps the streak\'s start and each item\'s first failure; a new item starts now; one that recovered goes', () => {
    const first = nextFailing(undefined, 1, [{ id: 314, error: 'HTML page' }, { id: 7, error: 'metrics unreadable' }], T1);
    const second = nextFailing(first, 1, [{ id: 314, error: 'HTML page' }, { id: 9, error: 'refused' }], T2);
    expect(second).toEqual({
      since: T1,
      exitCode: 1,
      items: [
        { id: 314, since: T1, error: 'HTML page' },
        { id: 9, since: T2, error: 'refused' },
      ],
      more: 0,
    });
  });

  it('a run that exits 0 ends the streak; a run that fails without any item (EvalAI down) keeps it', () => {
    const failing = nextFailing(undefined, 3, [], T1);
    expect(failing).toEqual({ since: T1, exitCode: 3, items: [], more: 0 });
    expect(nextFailing(failing, 1, [{ id: 1, error: 'x' }], T2)?.since).toBe(T1);
    expect(nextFailing(failing, 0, [], T3)).toBeUndefined();
  });

  it('lists at most MAX_FAILING_ITEMS, oldest first, and counts the rest; long errors are cut', () => {
    const many = Array.from({ length: MAX_FAILING_ITEMS + 5 }, (_, i) => ({ id: i + 1, error: 'e'.repeat(500) }));
    const f = nextFailing(undefined, 1, many, T1)!;
    expect(f.items).toHaveLength(MAX_FAILING_ITEMS);
    expect(f.more).toBe(5);
    expect(f.items[0]!.error.length).toBeLessThan(210);
  });
});
