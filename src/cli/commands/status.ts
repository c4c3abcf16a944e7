import { Command, Option } from '../commander.js';
import { ExitCode } from '../../runtime/exit-codes.js';
import type { CliIO } from '../io.js';
import { durationArg } from '../parsers.js';

/** `evalai-autoscaler status`: the last run of each command, from the status files in the state dir. */
export function statusCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command('status')
    .description('show the last run of each command (from the state directory); --max-age to alert on a cron job that stopped')
    .addOption(new Option('--state-dir <dir>', 'state directory (env EVALAI_AUTOSCALER_STATE_DIR)'))
    .addOption(new Option('--max-age <duration>', 'exit 1 when a command has not succeeded for this long, or never ran (e.g. 30m)').argParser(durationArg))
    .addOption(new Option('--command <name...>', 'only these commands; with --max-age, each must have run (e.g. cancel-stale, which runs daily, with its own --max-age)'))
    .addOption(new Option('--forget <target>', 'remove the status of one target (the name shown in the table), e.g. a one-off run against a mistyped URL'))
    .addOption(new Option('--json', 'print the status files as JSON'))
    .action(async (flags: { stateDir?: string; maxAge?: number; json?: boolean; command?: string[]; forget?: string }) => {
      const { stateDirPath } = await import('../../runtime/state-dir.js');
      const { listStatuses } = await import('../../runtime/status-file.js');
      const { forgetTarget, formatStatusTable, staleStatuses } = await import('../status-table.js');
      // Reading never creates the state directory: a missing one means no run has recorded anything.
      const dir = stateDirPath(flags.stateDir, io.env);
      if (flags.forget !== undefined) {
        io.stdout.write(forgetTarget(dir, flags.forget) + '\n');
        return done(ExitCode.Ok);
      }
      const only = flags.command?.flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean);
      const reads = listStatuses(dir).filter((r) => !only || !r.ok || only.includes(r.status.command));
      const now = Date.now();
      if (flags.json) {
        io.stdout.write(JSON.stringify(reads.map((r) => (r.ok ? r.status : { path: r.path, problem: r.problem })), null, 2) + '\n');
      } else {
        io.stdout.write(reads.length ? formatStatusTable(reads, now) : `no runs recorded in ${dir}\n`);
      }
      if (flags.maxAge === undefined) return done(ExitCode.Ok);
      const stale = staleStatuses(reads, flags.maxAge, now, only);
      for (const line of stale) io.stderr.write(`stale: ${line}\n`);
      done(stale.length || reads.length === 0 ? ExitCode.Partial : ExitCode.Ok);
    });
}
