import { Command } from './commander.js';
import type { CliIO } from '../runtime/io.js';
import { EXIT_CODES_LINE, HELP, docsPage, teach, usageErrorsNamed } from './help.js';
import { VERSION } from './version.js';

export { VERSION };

type CommandFactory = (io: CliIO, done: (code: number) => void) => Command;

/**
 * Every command, declared in one place, each as a loader of its definition module. A definition
 * module imports only commander and the option parsers; the command's own code (schemas, HTTP,
 * AWS, logging) is imported by its action when it runs.
 */
const COMMANDS: Array<[name: string, load: () => Promise<CommandFactory>]> = [
  ['scale-workers', async () => (await import('./commands/scale-workers.js')).scaleWorkersCommand],
  ['scale-ec2', async () => (await import('./commands/scale-ec2.js')).scaleEc2Command],
  ['scale-eks', async () => (await import('./commands/scale-eks.js')).scaleEksCommand],
  ['cancel-stale', async () => (await import('./commands/cancel-stale.js')).cancelStaleCommand],
  ['stop-idle', async () => (await import('./commands/stop-idle.js')).stopIdleCommand],
  ['scale-pool', async () => (await import('./commands/scale-pool.js')).scalePoolCommand],
  ['status', async () => (await import('./commands/status.js')).statusCommand],
  ['simulate', async () => (await import('./commands/simulate.js')).simulateCommand],
  ['sandbox', async () => (await import('./commands/sandbox.js')).sandboxCommand],
  ['demo', async () => (await import('./commands/sandbox.js')).demoCommand],
];

/**
 * The program. Given the name of the command about to run (`scale-workers --help`, a bin), only
 * that command's definition is loaded; otherwise (top-level help, `help <command>`, an unknown
 * name) all of them are, for the list of commands.
 */
export async function buildProgram(io: CliIO, done: (code: number) => void, commandName?: string): Promise<Command> {
  const program = new Command('evalai-autoscaler')
    .description('Keeps EvalAI evaluation capacity matched to demand; run each command from cron')
    .version(VERSION)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const wanted = COMMANDS.some(([name]) => name === commandName) ? COMMANDS.filter(([name]) => name === commandName) : COMMANDS;
  for (const [name, load] of wanted) {
    const cmd = (await load())(io, done);
    const help = HELP[name];
    program.addCommand(help ? teach(cmd, help) : usageErrorsNamed(cmd, name));
  }
  program.addHelpText(
    'after',
    `\nEach command is also its own bin (scale-workers, scale-ec2, ...); from a clone: node bin/<command>.js.\n` +
      `Example: API_HOST_URL=https://eval.ai AUTH_TOKEN_FILE=/etc/evalai/staff.token evalai-autoscaler scale-workers --dry-run\n` +
      `${EXIT_CODES_LINE}\nDocs: ${docsPage('architecture').replace(/architecture\.md$/, '')} (a page per command)`,
  );
  return usageErrorsNamed(program, 'evalai-autoscaler');
}
