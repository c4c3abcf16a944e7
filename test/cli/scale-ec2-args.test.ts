import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { instanceArg } from '../../src/cli/commands/scale-ec2.js';

describe('--instance <challenge>=<instance id>', () => {
  it('accepts repeats and comma lists', () => {
    expect(instanceArg('12=i-0123456789abcdef0,13=i-01234567', [[11, 'i-0aaaaaaaaaaaaaaaa']])).toEqual([
      [11, 'i-0aaaaaaaaaaaaaaaa'],
      [12, 'i-0123456789abcdef0'],
      [13, 'i-01234567'],
    ]);
  });
  it.each(['12', '12=', '=i-0123456789abcdef0', '0=i-0123456789abcdef0', '12=i-XYZ', '12=vol-0123456789abcdef0'])('refuses %s', (value) => {
    expect(() => instanceArg(value, undefined)).toThrow(InvalidArgumentError);
  });
});
