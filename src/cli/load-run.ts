import type { runCommand } from './run-command.js';
import { prepareRun } from './run-prelude.js';

/**
 * The run path, loaded when a command's action runs (never for --help or a usage error), after
 * the run's prelude (src/cli/run-prelude.ts).
 */
export async function loadRunCommand(): Promise<typeof runCommand> {
  await prepareRun();
  return (await import('./run-command.js')).runCommand;
}
