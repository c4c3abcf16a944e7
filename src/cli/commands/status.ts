import { Command, Option } from 'commander';
import { ExitCode } from '../../runtime/exit-codes.js';
import type { CliIO } from '../io.js';
import { durationArg } from '../parsers.js';

/** `evalai-autoscaler status`: the last run of each command, from the status files in the state dir. */
export function statusCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command('status')
    .description('show the last run of each command (from the state directory); --max-age to alert on a cron job that stopped')
    .addOption(new Option('--state-dir <dir>', 'state directory (env EVALAI_AUTOSCALER_STATE_DIR)'))
    .addOption(new Option('--max-age <duration>', 'exit 1 when a command has not succeeded for this long (e.g. 30m)').argParser(durationArg))
    .addOption(new Option('--command <name...>', 'only these commands (e.g. cancel-stale, which runs daily, with its own --max-age)'))
    .addOption(new Option('--json', 'print the status files as JSON'))
    .action(async (flags: { stateDir?: string; maxAge?: number; json?: boolean; command?: string[] }) => {
      const { resolveStateDir } = await import('../../runtime/state-dir.js');
      const { listStatuses } = await import('../../runtime/status-file.js');
      const { formatStatusTable, staleStatuses } = await import('../status-table.js');
      const dir = resolveStateDir(flags.stateDir, io.env);
      const only = flags.command?.flatMap((c) => c.split(',')).map((c) => c.trim());
      const statuses = listStatuses(dir).filter((s) => !only || only.includes(s.command));
      const now = Date.now();
      if (flags.json) io.stdout.write(JSON.stringify(statuses, null, 2) + '\n');
      else io.stdout.write(statuses.length ? formatStatusTable(statuses, now) : `no runs recorded in ${dir}\n`);
      if (flags.maxAge === undefined) return done(ExitCode.Ok);
      const stale = staleStatuses(statuses, flags.maxAge, now);
      for (const line of stale) io.stderr.write(`stale: ${line}\n`);
      done(stale.length || statuses.length === 0 ? ExitCode.Partial : ExitCode.Ok);
    });
}
