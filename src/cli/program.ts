import { Command } from 'commander';
import type { CliIO } from './io.js';
import { scaleWorkersCommand } from './commands/scale-workers.js';
import { scaleEc2Command } from './commands/scale-ec2.js';
import { scaleEksCommand } from './commands/scale-eks.js';
import { cancelStaleCommand } from './commands/cancel-stale.js';
import { stopIdleCommand } from './commands/stop-idle.js';
import { scalePoolCommand } from './commands/scale-pool.js';
import { sandboxCommand, demoCommand } from './commands/sandbox.js';
import { statusCommand } from './commands/status.js';

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
  program.addCommand(scaleEc2Command(io, done));
  program.addCommand(scaleEksCommand(io, done));
  program.addCommand(cancelStaleCommand(io, done));
  program.addCommand(stopIdleCommand(io, done));
  program.addCommand(scalePoolCommand(io, done));
  program.addCommand(statusCommand(io, done));
  program.addCommand(sandboxCommand(io, done));
  program.addCommand(demoCommand(io, done));
  return program;
}
