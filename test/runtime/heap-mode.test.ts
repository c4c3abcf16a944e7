import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HEAP_MODE = new URL('../../dist/runtime/heap-mode.js', import.meta.url).href;

/**
 * A child process that allocates like a long run (2 million short-lived objects, 20,000 alive at
 * a time) and prints the largest young generation V8 gave it, in bytes.
 */
function largestYoungGeneration(want: boolean): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { wantSmallHeap, preferSmallHeap } = await import(${JSON.stringify(HEAP_MODE)});
    if (${want}) wantSmallHeap();
    await preferSmallHeap();
    const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    let max = young();
    const alive = new Array(20000);
    for (let i = 0; i < 2000000; i++) {
      alive[i % 20000] = { id: i, title: 'challenge ' + i, ids: [i, i + 1] };
      if (i % 10000 === 0) max = Math.max(max, young());
    }
    process.stdout.write(String(max));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
  expect(r.stderr, 'the flags are known to this V8 (an unknown one prints an error)').toBe('');
  expect(r.status).toBe(0);
  return Number(r.stdout);
}

describe('heap mode: a run keeps its young generation small (peak RSS, docs/performance.md)', () => {
  it('the process entry asks for it: the young generation stays small under a fast allocation rate', () => {
    const MiB = 1024 * 1024;
    const small = largestYoungGeneration(true);
    const unchanged = largestYoungGeneration(false);
    expect(small).toBeLessThanOrEqual(8 * MiB);
    // Without the process entry's wish (a run inside vitest or the bench) V8's defaults stay.
    expect(unchanged).toBeGreaterThanOrEqual(4 * small);
  });
});
