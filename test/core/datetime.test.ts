import { describe, expect, it } from 'vitest';
import { hasEnded, parseEvalAIDateTime } from '../../src/core/datetime.js';
import { NOW } from '../builders.js';

describe('parseEvalAIDateTime (contract §1.5)', () => {
  it.each([
    ['with 6-digit fraction and Z', '2024-05-01T12:34:56.789012Z', '2024-05-01T12:34:56.789Z'],
    ['without fraction (microsecond = 0)', '2024-05-01T12:34:56Z', '2024-05-01T12:34:56.000Z'],
    ['with +00:00 (autoscale_meta)', '2024-12-31T23:59:59+00:00', '2024-12-31T23:59:59.000Z'],
    ['with another offset, normalised to UTC', '2024-05-01T14:34:56+02:00', '2024-05-01T12:34:56.000Z'],
    ['with a 3-digit fraction', '2024-05-01T12:34:56.5Z', '2024-05-01T12:34:56.500Z'],
  ])('parses %s', (_n, text, iso) => {
    expect(parseEvalAIDateTime(text)?.toISO()).toBe(iso);
  });
  it.each([['no offset', '2024-05-01T12:34:56'], ['garbage', 'yesterday'], ['empty', ''], ['impossible date', '2024-02-31T00:00:00Z']])(
    'refuses %s',
    (_n, text) => {
      expect(parseEvalAIDateTime(text)).toBeNull();
    },
  );
});

describe('hasEnded', () => {
  it('null end date never ends', () => expect(hasEnded(null, NOW)).toBe(false));
  it('past and present end dates have ended', () => {
    expect(hasEnded(NOW.minus({ seconds: 1 }), NOW)).toBe(true);
    expect(hasEnded(NOW, NOW)).toBe(true);
  });
  it('a future end date has not', () => expect(hasEnded(NOW.plus({ seconds: 1 }), NOW)).toBe(false));
});
