import { Command, Option } from '../commander.js';
import type { CommonFlags } from '../../runtime/config.js';
import { addCommonOptions } from '../common-options.js';
import { loadRunCommand } from '../load-run.js';
import type { CliIO } from '../../runtime/io.js';
import { durationWithUnitArg, intArg } from '../parsers.js';

interface CancelStaleFlags extends CommonFlags {
  olderThan?: number;
  days?: number;
  includeQueued?: boolean;
  auditLog?: string;
}

export function cancelStaleCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('cancel-stale')
    .description('cancel submissions stuck in submitted/running/resuming for weeks (auto_cancel_submissions.py)')
    .addOption(new Option('--older-than <duration>', 'cancel when waiting longer than this (default 14d; at least 1d)').argParser(durationWithUnitArg))
    .addOption(new Option('--days <n>', 'the same in whole days, as upstream\'s days_threshold').argParser(intArg(1, 3650)))
    .addOption(new Option('--include-queued', 'also cancel stale "queued" submissions (upstream never does)'))
    .addOption(new Option('--audit-log <path>', 'JSON-lines audit log of every cancellation (env CANCEL_STALE_AUDIT_LOG; default <state dir>/cancel-stale-audit.jsonl)'));
  addCommonOptions(cmd).action(async (flags: CancelStaleFlags) => {
    const runCommand = await loadRunCommand();
    const { loadCancelStaleSettings } = await import('../../commands/cancel-stale/settings.js');
    const { runCancelStale } = await import('../../commands/cancel-stale/run.js');
    const settings = loadCancelStaleSettings(flags, io.env);
    done(await runCommand({ name: 'cancel-stale', flags, io, run: (ctx) => runCancelStale(ctx, settings.policy, { auditLogPath: settings.auditLogPath }) }));
  });
  return cmd;
}
