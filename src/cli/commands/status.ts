import { Command, Option } from '../commander.js';
import { ExitCode } from '../../runtime/exit-codes.js';
import type { CliIO } from '../../runtime/io.js';
import { durationArg } from '../parsers.js';
import type { RunStatus } from '../../runtime/status-file.js';

/**
 * status --max-age's exit codes: liveness (a command stopped running: its cron line, timer or host
 * is gone) apart from persistent failure (it runs, but something fails every time).
 */
export const STATUS_EXIT = { notRunning: 1, failing: 7 } as const;

/** `evalai-autoscaler status`: the last run of each command, from the status files in the state dir. */
export function statusCommand(io: CliIO, done: (code: number) => void): Command {
  return new Command('status')
    .description('show the last run of each command (from the state directory); --max-age to alert on a cron job that stopped')
    .addOption(new Option('--state-dir <dir>', 'state directory (env EVALAI_AUTOSCALER_STATE_DIR)'))
    .addOption(new Option('--max-age <duration>', `exit ${STATUS_EXIT.notRunning} when a command has not run for this long (or never ran), exit ${STATUS_EXIT.failing} when it runs but has not succeeded for this long (e.g. 30m)`).argParser(durationArg))
    .addOption(new Option('--command <name...>', 'only these commands; with --max-age, each must have run (e.g. cancel-stale, which runs daily, with its own --max-age)'))
    .addOption(new Option('--forget <target>', 'remove the status of one target (the name shown in the table), e.g. a one-off run against a mistyped URL'))
    .addOption(new Option('--json', 'print the status files as JSON'))
    .action(async (flags: { stateDir?: string; maxAge?: number; json?: boolean; command?: string[]; forget?: string }) => {
      const { stateDirPath } = await import('../../runtime/state-dir.js');
      const { listStatuses } = await import('../../runtime/status-file.js');
      const { forgetTarget, formatStatusTable, checkStatuses, verdictOf } = await import('../status-table.js');
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
        // Each status file as it is (its `failing`: the items and since when), with the last run's age
        // (liveness) and, with --max-age, the verdict that sets the exit code.
        const entry = (s: RunStatus) => ({
          ...s,
          lastRunAgeSeconds: Math.round((now - Date.parse(s.finishedAt ?? s.startedAt)) / 1000),
          ...(flags.maxAge !== undefined ? { check: verdictOf(s, flags.maxAge, now) } : {}),
        });
        io.stdout.write(JSON.stringify(reads.map((r) => (r.ok ? entry(r.status) : { path: r.path, problem: r.problem, ...(flags.maxAge !== undefined ? { check: 'not-running' } : {}) })), null, 2) + '\n');
      } else {
        io.stdout.write(reads.length ? formatStatusTable(reads, now) : `no runs${only ? ` of ${only.join(', ')}` : ''} recorded in ${dir}\n`);
      }
      if (flags.maxAge === undefined) return done(ExitCode.Ok);
      const check = checkStatuses(reads, flags.maxAge, now, only);
      for (const line of check.stopped) io.stderr.write(`not running: ${line}\n`);
      for (const line of check.failing) io.stderr.write(`failing: ${line}\n`);
      // Liveness first: a command that stopped running is the more urgent, and says nothing of failures.
      done(check.stopped.length || reads.length === 0 ? STATUS_EXIT.notRunning : check.failing.length ? STATUS_EXIT.failing : ExitCode.Ok);
    });
}
