import { Command, Option } from '../commander.js';
import type { CliIO } from '../../runtime/io.js';
import { intArg } from '../parsers.js';

/** `evalai-autoscaler sandbox`: the EvalAI-compatible local server, kept running until Ctrl-C. */
export function sandboxCommand(io: CliIO, _done: (code: number) => void): Command {
  return new Command('sandbox')
    .description('run a local EvalAI-compatible server seeded with realistic challenges (for trying the commands)')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (default: any free port)').argParser(intArg(0, 65535)))
    .action(async (flags: { port?: number }) => {
      const { runSandbox } = await import('../../sandbox/cli.js');
      const sandbox = await runSandbox({ port: flags.port }, io.stdout);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sandbox.close();
    });
}

/** `evalai-autoscaler demo`: starts the sandbox and runs scale-workers against it, dry then real. */
export function demoCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command('demo')
    .description('start the sandbox and run scale-workers against it: a dry run, then a real one')
    .action(async () => {
      const { runDemo } = await import('../demo.js');
      done(await runDemo(io));
    });
}
