import { Command, InvalidArgumentError, Option } from '../commander.js';
import type { CommonFlags } from '../../runtime/config.js';
import { DEFAULTS } from '../../runtime/defaults.js';
import { addCommonOptions } from '../common-options.js';
import { addHoldOptions, holdPolicyOf, type HoldFlags } from '../hold-options.js';
import { holdsAnything } from '../../state/hold.js';
import { loadRunCommand } from '../load-run.js';
import type { CliIO } from '../../runtime/io.js';

interface ScaleEc2Flags extends CommonFlags, HoldFlags {
  via?: string;
  instance?: Array<[number, string]>;
  region?: string;
}

/** --instance 12=i-0123456789abcdef0 (repeat, or comma-separate). */
export function instanceArg(value: string, previous: Array<[number, string]> | undefined): Array<[number, string]> {
  const out = [...(previous ?? [])];
  for (const pair of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)=(i-[0-9a-f]{8}(?:[0-9a-f]{9})?)$/.exec(pair);
    if (!m || Number(m[1]) <= 0) throw new InvalidArgumentError(`"${pair}" is not <challenge id>=<instance id> (e.g. 12=i-0123456789abcdef0)`);
    out.push([Number(m[1]), m[2]!]);
  }
  return out;
}

export function scaleEc2Command(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('scale-ec2')
    .description('start the EC2 worker instance of challenges with pending submissions; stop idle ones (auto_scale_ec2_workers.py)')
    .addOption(new Option('--via <how>', 'reach the instances through "evalai" (staff token; default) or "aws" directly (env SCALE_EC2_VIA)'))
    .addOption(new Option('--instance <challenge=instance...>', 'aws mode: the instance id of a challenge, e.g. 12=i-0123456789abcdef0 (otherwise asked from EvalAI)').argParser(instanceArg))
    .addOption(new Option('--region <region>', 'aws mode: the instances\' region (default: AWS_REGION / ~/.aws/config)'));
  addHoldOptions(cmd, 'stop an instance');
  addCommonOptions(cmd).action(async (flags: ScaleEc2Flags) => {
    const runCommand = await loadRunCommand();
    const { loadScaleEc2Settings } = await import('../../commands/scale-ec2/settings.js');
    // The AWS SDK loads only when its region is asked (aws mode without --region).
    const sdkRegion = async () => (await import('../../aws/clients.js')).sdkDefaultRegion();
    const hold = holdPolicyOf(flags);
    const policy = { ...(await loadScaleEc2Settings(flags, io.env, flags.timeout ?? DEFAULTS.timeoutMs, sdkRegion)), ...hold };
    const { runScaleEc2 } = await import('../../commands/scale-ec2/run.js');
    const { registerAwsEnvSecrets } = await import('../../aws/env-secrets.js');
    done(
      await runCommand({
        name: 'scale-ec2',
        flags,
        io,
        history: { needed: holdsAnything(hold) },
        run: (ctx) => {
          registerAwsEnvSecrets(io.env, ctx.secrets);
          return runScaleEc2(ctx, policy);
        },
      }),
    );
  });
  return cmd;
}
