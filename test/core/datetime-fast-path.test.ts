import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseEvalAIDateTime } from '../../src/core/datetime.js';

/** What luxon's general ISO parser makes of the text: the reference the fast path must match. */
function viaLuxon(text: string): string | null {
  const dt = DateTime.fromISO(text, { setZone: true });
  return dt.isValid ? dt.toUTC().toISO() : null;
}

const two = (n: number) => String(n).padStart(2, '0');

describe('parseEvalAIDateTime: the fast path for EvalAI\'s own form reads what luxon reads', () => {
  it('any date, time, fraction and offset in that form, possible or not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 2200 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.option(fc.stringMatching(/^\d{1,9}$/)),
        fc.constantFrom('Z', '+00:00', '-05:30', '+14:00', '+02:00'),
        (y, mo, d, h, mi, s, frac, offset) => {
          const text = `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}${frac === null ? '' : '.' + frac}${offset}`;
          expect(parseEvalAIDateTime(text)?.toISO() ?? null).toBe(viaLuxon(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('the result is in UTC, as luxon\'s path gives it', () => {
    expect(parseEvalAIDateTime('2024-05-01T14:34:56.123456+02:00')?.zoneName).toBe('UTC');
  });
});
