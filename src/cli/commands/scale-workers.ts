import { Command, Option } from '../commander.js';
import type { CommonFlags } from '../../runtime/config.js';
import { addCommonOptions } from '../common-options.js';
import { addHoldOptions, holdPolicyOf, type HoldFlags } from '../hold-options.js';
import { loadRunCommand } from '../load-run.js';
import type { CliIO } from '../../runtime/io.js';
import { envModeArg } from '../parsers.js';
import type { EnvMode } from '../../runtime/env-mode.js';
import { holdsAnything } from '../../state/hold.js';

interface ScaleWorkersFlags extends CommonFlags, HoldFlags {
  env?: EnvMode;
  includeEc2?: boolean;
}

export function scaleWorkersCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('scale-workers')
    .description('start ECS workers of challenges with pending submissions; stop idle ones (auto_scale_workers.py)')
    .addOption(new Option('--env <name>', 'dev, staging, prod or production; staging and prod skip remote-evaluation challenges (env ENV; default dev)').argParser(envModeArg))
    .addOption(new Option('--include-ec2', 'also manage challenges that use an EC2 worker (normally scale-ec2\'s)'));
  addHoldOptions(cmd, 'stop a worker');
  addCommonOptions(cmd).action(async (flags: ScaleWorkersFlags) => {
    const runCommand = await loadRunCommand();
    const { runScaleWorkers } = await import('../../commands/scale-workers/run.js');
    // The mode (--env, else ENV) is read once, with the common configuration.
    const hold = holdPolicyOf(flags);
    done(
      await runCommand({
        name: 'scale-workers',
        flags,
        io,
        history: { needed: holdsAnything(hold) },
        run: (ctx, _flags, common) => runScaleWorkers(ctx, { mode: common.mode, includeEc2: flags.includeEc2 ?? false, ...hold }),
      }),
    );
  });
  return cmd;
}
