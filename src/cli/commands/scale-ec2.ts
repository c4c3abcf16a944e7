import { Command, InvalidArgumentError, Option } from '../commander.js';
import type { CommonFlags } from '../../runtime/config.js';
import { DEFAULTS } from '../../runtime/defaults.js';
import { ConfigError } from '../../runtime/errors.js';
import { addCommonOptions } from '../common-options.js';
import { loadRunCommand } from '../load-run.js';
import type { CliIO } from '../io.js';

interface ScaleEc2Flags extends CommonFlags {
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
  addCommonOptions(cmd).action(async (flags: ScaleEc2Flags) => {
    const runCommand = await loadRunCommand();
    const via = (flags.via ?? io.env.SCALE_EC2_VIA ?? 'evalai').trim().toLowerCase();
    if (via !== 'evalai' && via !== 'aws') throw new ConfigError(`--via must be "evalai" or "aws", not "${via}"`);
    const instanceIds = new Map<number, string>();
    for (const [pk, id] of flags.instance ?? []) {
      const other = instanceIds.get(pk);
      if (other && other !== id) throw new ConfigError(`--instance gives challenge ${pk} two instances (${other} and ${id})`);
      instanceIds.set(pk, id);
    }
    if (via === 'evalai' && instanceIds.size > 0) throw new ConfigError('--instance is for --via aws; through EvalAI the server knows the instance');
    const policy = { via: via as 'evalai' | 'aws', instanceIds, region: flags.region?.trim() || undefined, awsTimeoutMs: flags.timeout ?? DEFAULTS.timeoutMs };
    if (policy.via === 'aws' && !policy.region) {
      // Every EC2 call would fail "Region is missing", once per challenge: say it once, up front.
      const { sdkDefaultRegion } = await import('../../aws/clients.js');
      if (!(await sdkDefaultRegion())) {
        throw new ConfigError('--via aws: no AWS region configured: pass --region, set AWS_REGION, or set region in the profile of the AWS config file (~/.aws/config, AWS_PROFILE)');
      }
    }
    const { runScaleEc2 } = await import('../../commands/scale-ec2/run.js');
    const { registerAwsEnvSecrets } = await import('../../aws/env-secrets.js');
    done(
      await runCommand({
        name: 'scale-ec2',
        flags,
        io,
        run: (ctx) => {
          registerAwsEnvSecrets(io.env, ctx.secrets);
          return runScaleEc2(ctx, policy);
        },
      }),
    );
  });
  return cmd;
}
