/**
 * What a command's action does first, before its run path loads (never for --help or a usage
 * error): a small heap if this is the process entry (runtime/heap-mode.ts) and luxon's locale
 * pinned (runtime/time-locale.ts). Both keep a run's peak RSS down (docs/performance.md).
 */
export async function prepareRun(): Promise<void> {
  const { preferSmallHeap } = await import('../runtime/heap-mode.js');
  await preferSmallHeap();
  const { pinTimeLocale } = await import('../runtime/time-locale.js');
  pinTimeLocale();
}
