import { describe, expect, it } from 'vitest';
import { progressBar, progressFor } from '../../src/simulate/progress.js';

describe('the sweep progress bar', () => {
  it('redraws one line in place with the settings done', () => {
    const out: string[] = [];
    const bar = progressBar({ write: (s: string) => out.push(s) }, 10);
    bar(1, 4);
    bar(4, 4);
    expect(out).toEqual(['\r[###.......] 1/4 settings', '\r[##########] 4/4 settings']);
  });
  it('only on a terminal', () => {
    expect(progressFor({ write: () => true, isTTY: true })).toBeTypeOf('function');
    expect(progressFor({ write: () => true })).toBeUndefined();
  });
});
