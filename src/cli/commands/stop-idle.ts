import { Command, Option } from '../commander.js';
import type { CommonFlags } from '../../runtime/config.js';
import { addCommonOptions } from '../common-options.js';
import { loadRunCommand } from '../load-run.js';
import type { CliIO } from '../../runtime/io.js';
import { durationWithUnitArg } from '../parsers.js';

interface StopIdleFlags extends CommonFlags {
  grace?: number;
  unapprovedAfter?: number;
  action?: 'delete' | 'stop';
}

export function stopIdleCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('stop-idle')
    .description('remove the ECS workers of ended or long-unapproved challenges once nothing is pending (auto_stop_workers.py, fixed)')
    .addOption(new Option('--grace <duration>', 'wait this long after end_date before removing the worker (default 1d)').argParser(durationWithUnitArg))
    .addOption(new Option('--unapproved-after <duration>', 'remove the worker of an unapproved challenge this old (default 2d)').argParser(durationWithUnitArg))
    .addOption(
      new Option('--action <action>', 'for unapproved challenges that have not ended: delete (staff only) or stop; ended ones always get delete')
        .choices(['delete', 'stop']),
    );
  addCommonOptions(cmd).action(async (flags: StopIdleFlags) => {
    const runCommand = await loadRunCommand();
    const { DEFAULT_STOP_IDLE_POLICY } = await import('../../commands/stop-idle/policy.js');
    const { runStopIdle } = await import('../../commands/stop-idle/run.js');
    const policy = {
      graceMs: flags.grace ?? DEFAULT_STOP_IDLE_POLICY.graceMs,
      unapprovedAfterMs: flags.unapprovedAfter ?? DEFAULT_STOP_IDLE_POLICY.unapprovedAfterMs,
      unapprovedAction: flags.action ?? DEFAULT_STOP_IDLE_POLICY.unapprovedAction,
    };
    done(await runCommand({ name: 'stop-idle', flags, io, run: (ctx) => runStopIdle(ctx, policy) }));
  });
  return cmd;
}
