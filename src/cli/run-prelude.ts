/**
 * What a command's action does first, before its run path loads (never for --help or a usage
 * error): a small heap if this is the process entry (runtime/heap-mode.ts) and luxon's locale
 * pinned (runtime/time-locale.ts), both keeping a run's peak RSS down, and the process entry's
 * compile cache (runtime/compile-cache.ts), keeping its start short (docs/performance.md).
 */
export async function prepareRun(): Promise<void> {
  const { isProcessEntry, preferSmallHeap } = await import('../runtime/heap-mode.js');
  await preferSmallHeap();
  // The dependencies' compiled code kept between runs (runtime/compile-cache.ts): the process entry's only.
  if (isProcessEntry()) (await import('../runtime/compile-cache.js')).enableCompileCache();
  const { pinTimeLocale } = await import('../runtime/time-locale.js');
  pinTimeLocale();
}
