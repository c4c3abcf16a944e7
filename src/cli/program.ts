import { Command } from 'commander';
import type { CliIO } from './io.js';
import { scaleWorkersCommand } from './commands/scale-workers.js';
import { notImplementedCommand } from './commands/not-implemented.js';
import { sandboxCommand, demoCommand } from './commands/sandbox.js';

export const VERSION = '0.1.0';

/** Every command, declared in one place. Each command's own code is imported only when it runs. */
export function buildProgram(io: CliIO, done: (code: number) => void): Command {
  const program = new Command('evalai-autoscaler')
    .description('Keeps EvalAI evaluation capacity matched to demand; run each command from cron')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  program.addCommand(scaleWorkersCommand(io, done));
  program.addCommand(notImplementedCommand('scale-ec2', 'start/stop EC2 worker instances by pending submissions', io, done));
  program.addCommand(notImplementedCommand('scale-eks', 'scale EKS nodegroups by pending submissions', io, done));
  program.addCommand(notImplementedCommand('cancel-stale', 'cancel submissions stuck for weeks', io, done));
  program.addCommand(notImplementedCommand('stop-idle', 'remove workers of ended or unapproved challenges', io, done));
  program.addCommand(sandboxCommand(io, done));
  program.addCommand(demoCommand(io, done));
  return program;
}
