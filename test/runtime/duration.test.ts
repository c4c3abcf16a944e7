import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/runtime/duration.js';

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['5m', 300_000],
    ['5min', 300_000],
    ['14d', 14 * 86_400_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['2w', 14 * 86_400_000],
    ['30', 30_000],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', 'abc', '10x', '5m garbage', '-5s', 'd'])('refuses %j', (text) => expect(parseDuration(text)).toBeNull());
});

describe('formatDuration', () => {
  it.each([
    [40_000, '40 s'],
    [12 * 60_000, '12 min'],
    [90 * 60_000, '1 h 30 min'],
    [15 * 86_400_000 + 3 * 3_600_000, '15 d 3 h'],
  ])('%d ms', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
