import type { runCommand } from './run-command.js';

/**
 * The run path, loaded when a command's action runs (never for --help or a usage error). V8 is
 * asked for a small heap first, before the run path's modules load (see runtime/heap-mode.ts).
 */
export async function loadRunCommand(): Promise<typeof runCommand> {
  const { preferSmallHeap } = await import('../runtime/heap-mode.js');
  await preferSmallHeap();
  return (await import('./run-command.js')).runCommand;
}
