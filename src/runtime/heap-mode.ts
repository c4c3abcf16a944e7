/**
 * The V8 settings a run asks for, and why (figures in docs/performance.md, issue 13):
 *
 * - `--semi-space-growth-factor=1`: the young generation stays at its first size instead of
 *   doubling while a run allocates quickly. A page of challenges or a response is garbage within
 *   milliseconds; a young generation grown to 16 MiB a half kept that much garbage resident (both
 *   halves count in RSS), about 12 MiB of a 10,000-challenge run's peak.
 * - `--heap-growing-percent=50`: the old generation is collected when it has grown by half since
 *   the last collection, not by V8's default factor (up to 4x on a machine with memory to spare).
 *   Objects of the reads still in flight are promoted and die soon after; V8 would let them pile up.
 *
 * Together, against V8's defaults: a third to nearly half less peak RSS for a 10,000-challenge
 * dry run, flat to 30,000, for 20 to 30 % more CPU; the earlier `--optimize-for-size` cost as much
 * CPU for 12 MiB more (figures in docs/performance.md). Both flags exist, with these meanings, in
 * the V8 of Node 20 (11.3) and Node 24 (13.6); an unknown one would print an error on stderr.
 */
export const SMALL_HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=50'] as const;

let wanted = false;
let applied = false;

/**
 * Called by the process entry (src/cli/main.ts runMain) only: a run inside another program (the
 * test runner, the bench's in-process pool tick) leaves that program's heap as it is.
 */
export function wantSmallHeap(): void {
  wanted = true;
}

/** Whether this process is a bin's own (runMain), not a run inside another program: see wantSmallHeap. */
export function isProcessEntry(): boolean {
  return wanted;
}

/**
 * Applies SMALL_HEAP_FLAGS if the process entry wants them. Called by a command's action before its
 * run path loads (src/cli/load-run.ts), never for --help or a usage error. Asking twice does nothing.
 */
export async function preferSmallHeap(): Promise<void> {
  if (!wanted || applied) return;
  applied = true;
  // node:v8 loads here, not with this module: --help loads this module but never needs it.
  const { setFlagsFromString } = await import('node:v8');
  for (const flag of SMALL_HEAP_FLAGS) setFlagsFromString(flag);
}
