import { CommanderError } from './commander.js';
import { ExitCode } from '../runtime/exit-codes.js';
import type { CliIO } from '../runtime/io.js';
import { buildProgram } from './program.js';

/**
 * Runs one command and returns its exit code. Usage errors (commander) and configuration errors
 * become exit 2 with one line on stderr; nothing else is printed for them.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = await buildProgram(io, (c) => {
    code = c;
  }, argv[0]);
  program.exitOverride();
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  const command = argv[0] ?? 'evalai-autoscaler';
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version succeed; help shown because no command was given is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.Ok;
      if (err.code === 'commander.help' && err.exitCode === 0) return ExitCode.Ok; // `evalai-autoscaler help`
      return ExitCode.Usage;
    }
    // Loaded only here, so that --help never loads it; a run that threw one has it loaded already.
    const { ConfigError, RunError, describeError } = await import('../runtime/errors.js');
    if (err instanceof ConfigError) {
      io.stderr.write(`${command}: configuration error: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof RunError) {
      io.stderr.write(`${command}: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`${command}: internal error: ${describeError(err)}\n`);
    return ExitCode.Partial;
  }
}

function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * Entry used by the bin files: the only place that exits the process. Whatever reads stdout and
 * stderr (a pipe, a slow reader, a file) gets all of it before the process ends, and a reader that
 * went away or a full disk never crashes the run.
 */
export async function runMain(argv: string[]): Promise<never> {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // The AWS SDK prints a multi-line Node-version notice on stderr, which is pino JSON only; it reads
  // this switch only from the environment, so the process entry sets it, once, unless already set.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // A run of this process may keep its heap small (runtime/heap-mode.ts); applied by the action.
  (await import('../runtime/heap-mode.js')).wantSmallHeap();
  const code = await main(argv);
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to `stream` so far has been handed to the operating system. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}
