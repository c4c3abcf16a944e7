import { describe, expect, it } from 'vitest';
import { Secrets } from '../../src/runtime/secrets.js';

describe('Secrets.scrub', () => {
  it('replaces every registered secret, also URL-encoded', () => {
    const s = new Secrets();
    s.add('tok/en+secret');
    expect(s.scrub('a tok/en+secret b tok%2Fen%2Bsecret')).toBe('a [REDACTED] b [REDACTED]');
  });
  it('replaces the longer secret first when one contains another', () => {
    const s = new Secrets();
    s.add('abcd');
    s.add('abcdefgh');
    expect(s.scrub('x abcdefgh y abcd')).toBe('x [REDACTED] y [REDACTED]');
  });
  it('ignores empty and very short values', () => {
    const s = new Secrets();
    s.add('');
    s.add('ab');
    s.add(undefined);
    expect(s.size).toBe(0);
    expect(s.scrub('about')).toBe('about');
  });
});
