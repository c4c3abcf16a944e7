import { describe, expect, it } from 'vitest';
import { cleanStrings, cleanText } from '../../src/runtime/sanitize.js';

describe('cleanText: server text on its way to a terminal or a log', () => {
  it('drops ANSI escapes and control characters whole, and makes newlines one space', () => {
    const hostile = '\u001b[31mRED\u001b[0m title\r\nerror: fake line\u0007\u202eevil\u0000';
    const out = cleanText(hostile);
    expect(out).toBe('RED title error: fake lineevil');
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
  });

  it('cuts a 10 MB string to the limit and says how long it was, without scanning it all', () => {
    const huge = 'A'.repeat(10 * 1024 * 1024);
    const out = cleanText(huge, 120);
    expect(out.length).toBeLessThan(200);
    expect(out).toMatch(/^A{120}… \(10485760 characters in all\)$/);
  });

  it('is the same when applied twice', () => {
    const once = cleanText('T'.repeat(10_000), 120);
    expect(cleanText(once, 120)).toBe(once);
  });

  it('leaves ordinary text alone', () => {
    expect(cleanText('Object detection 2026 — phase 1 (é, 日本)')).toBe('Object detection 2026 — phase 1 (é, 日本)');
  });

  it('cleanStrings bounds every string inside a value', () => {
    const out = cleanStrings({ a: 'x'.repeat(5000), b: [{ c: 'ok\nline' }], n: 3 }, 100);
    expect(out.a.length).toBeLessThan(150);
    expect(out.b[0]!.c).toBe('ok line');
    expect(out.n).toBe(3);
  });
});
