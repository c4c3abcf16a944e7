import { Command } from 'commander';
import { ExitCode } from '../../runtime/exit-codes.js';
import type { CliIO } from '../io.js';

/** A command whose issue has not landed yet: says so and exits 2, changing nothing. */
export function notImplementedCommand(name: string, description: string, io: CliIO, done: (code: number) => void): Command {
  return new Command(name)
    .description(`${description} (not implemented yet)`)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      io.stderr.write(`${name}: not implemented yet\n`);
      done(ExitCode.Usage);
    });
}
