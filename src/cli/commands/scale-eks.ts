import { Command, Option } from '../commander.js';
import type { CommonFlags } from '../../runtime/config.js';
import { DEFAULTS } from '../../runtime/defaults.js';
import { addCommonOptions } from '../common-options.js';
import { addHoldOptions, holdPolicyOf, type HoldFlags } from '../hold-options.js';
import { holdsAnything } from '../../state/hold.js';
import { loadRunCommand } from '../load-run.js';
import type { CliIO } from '../../runtime/io.js';

interface ScaleEksFlags extends CommonFlags, HoldFlags {
  configFile?: string;
  source?: string;
  crossAccountRole?: string;
  region?: string;
}

export function scaleEksCommand(io: CliIO, done: (code: number) => void): Command {
  const cmd = new Command('scale-eks')
    .description('scale the EKS nodegroup of docker-based challenges to their pending submissions (auto_scale_eks_nodes.py)')
    .addOption(new Option('--config-file <path>', 'the JSON file of challenges, host tokens and AWS keys (env JSON_PATH)'))
    .addOption(new Option('--source <kind>', '"file" (the config file) or "lambda" (EvalAI autoscale endpoints, env LAMBDA_AUTH_TOKEN); chosen by what is set'))
    .addOption(new Option('--cross-account-role <name>', 'role assumed in a host\'s AWS account (env EKS_AUTOSCALE_CROSS_ACCOUNT_ROLE_NAME; default evalai-autoscale-crossaccount)'))
    .addOption(new Option('--region <region>', 'region when neither the entry nor EvalAI names one (env EKS_AWS_REGION)'));
  addHoldOptions(cmd, 'scale a nodegroup to 0');
  addCommonOptions(cmd).action(async (flags: ScaleEksFlags) => {
    const { loadScaleEksSettings } = await import('../../commands/scale-eks/settings.js');
    const settings = loadScaleEksSettings(flags, io.env, flags.timeout ?? DEFAULTS.timeoutMs);
    const hold = holdPolicyOf(flags);
    const policy = { ...settings.policy, ...hold };
    const runCommand = await loadRunCommand();
    const { runScaleEks } = await import('../../commands/scale-eks/run.js');
    const { registerAwsEnvSecrets } = await import('../../aws/env-secrets.js');
    done(
      await runCommand({
        name: 'scale-eks',
        flags,
        io,
        evalaiToken: settings.evalaiToken,
        history: { needed: holdsAnything(hold) },
        scope: settings.policy.source.kind === 'file' ? { configFile: settings.policy.source.path } : { mode: 'lambda' },
        run: (ctx) => {
          registerAwsEnvSecrets(io.env, ctx.secrets);
          ctx.secrets.addAll(settings.secrets);
          if (settings.policy.source.kind === 'lambda') ctx.secrets.add(settings.policy.source.token);
          for (const w of settings.warnings) ctx.logger.warn(w);
          return runScaleEks(ctx, policy, { ...(settings.file ? { file: settings.file } : {}) });
        },
      }),
    );
  });
  return cmd;
}
