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
import { EXIT_CODES_LINE, HELP, docsPage, teach, usageErrorsNamed } from './help.js';
import { simulateCommand } from './commands/simulate.js';
import { VERSION } from './version.js';

export { VERSION };

/** Every command, declared in one place. Each command's own code is imported only when it runs. */
export function buildProgram(io: CliIO, done: (code: number) => void): Command {
  const program = new Command('evalai-autoscaler')
    .description('Keeps EvalAI evaluation capacity matched to demand; run each command from cron')
    .version(VERSION)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  for (const cmd of [scaleWorkersCommand(io, done), scaleEc2Command(io, done), scaleEksCommand(io, done), cancelStaleCommand(io, done), stopIdleCommand(io, done), scalePoolCommand(io, done), statusCommand(io, done), simulateCommand(io, done)]) {
    program.addCommand(teach(cmd, HELP[cmd.name()]!));
  }
  program.addCommand(usageErrorsNamed(sandboxCommand(io, done), 'sandbox'));
  program.addCommand(usageErrorsNamed(demoCommand(io, done), 'demo'));
  program.addHelpText(
    'after',
    `\nEach command is also its own bin (scale-workers, scale-ec2, ...); from a clone: node bin/<command>.js.\n` +
      `Example: API_HOST_URL=https://eval.ai AUTH_TOKEN_FILE=/etc/evalai/staff.token evalai-autoscaler scale-workers --dry-run\n` +
      `${EXIT_CODES_LINE}\nDocs: ${docsPage('architecture').replace(/architecture\.md$/, '')} (a page per command)`,
  );
  return usageErrorsNamed(program, 'evalai-autoscaler');
}
