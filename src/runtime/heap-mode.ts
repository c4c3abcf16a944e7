import { setFlagsFromString } from 'node:v8';

let small = false;

/**
 * Asks V8 to keep the heap small (--optimize-for-size): it collects garbage sooner instead of
 * letting the heap grow. Without it a dry run over 10,000 challenges peaks near 135 MiB, most of it
 * garbage V8 has not collected yet, and the peak grows with the list; with it about 100 MiB, flat
 * from 10,000 to 30,000 challenges, for some 15 to 25 % more CPU (docs/performance.md). Must run
 * before the run path's modules load (V8 sizes their code and heap as they load): the commands call it
 * first (src/cli/load-run.ts). Asking twice does nothing.
 */
export function preferSmallHeap(): void {
  if (small) return;
  setFlagsFromString('--optimize-for-size');
  small = true;
}
