import { describe, expect, it } from 'vitest';
import { holdDurationArg, holdPolicyOf } from '../../src/cli/hold-options.js';
import { main } from '../../src/cli/main.js';

describe('--scale-down-delay / --min-uptime values', () => {
  it.each([
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['0', 0],
    ['7d', 604_800_000],
  ])('%s -> %i ms', (text, ms) => expect(holdDurationArg(text)).toBe(ms));

  it.each(['30', '8d', 'soon', '-5m', ''])('"%s" is refused', (text) => expect(() => holdDurationArg(text)).toThrow());

  it('0 or absent is off', () => {
    expect(holdPolicyOf({ scaleDownDelay: 0, minUptime: 0 })).toEqual({});
    expect(holdPolicyOf({ scaleDownDelay: 60_000 })).toEqual({ scaleDownDelayMs: 60_000 });
  });

  it.each(['scale-workers', 'scale-ec2', 'scale-eks'])('%s: a bare number is a usage error (exit 2) naming the flag, before anything is sent', async (cmd) => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((err += s), true) }, env: {} } as never;
    expect(await main([cmd, '--scale-down-delay', '30'], io)).toBe(2);
    expect(err).toMatch(/--scale-down-delay <duration>.*expected a duration with a unit/);
  });
});
