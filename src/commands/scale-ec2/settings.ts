import type { Env } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';
import type { ScaleEc2Policy } from './policy.js';

export interface ScaleEc2SettingsFlags {
  via?: string;
  /** --instance pairs, already parsed. */
  instance?: Array<[number, string]>;
  region?: string;
}

/**
 * scale-ec2's settings, all layers (default <- SCALE_EC2_VIA <- --via), called before the run takes
 * its lock. `regionFromSdk` asks the SDK's own region chain (aws/clients.ts sdkDefaultRegion): in aws
 * mode without --region, every EC2 call would fail "Region is missing", once per challenge, so it is
 * said once, up front.
 */
export async function loadScaleEc2Settings(
  flags: ScaleEc2SettingsFlags,
  env: Env,
  awsTimeoutMs: number,
  regionFromSdk: () => Promise<string | undefined>,
): Promise<ScaleEc2Policy> {
  const via = (flags.via ?? env.SCALE_EC2_VIA ?? 'evalai').trim().toLowerCase();
  if (via !== 'evalai' && via !== 'aws') throw new ConfigError(`--via must be "evalai" or "aws", not "${via}"`);
  const instanceIds = new Map<number, string>();
  for (const [pk, id] of flags.instance ?? []) {
    const other = instanceIds.get(pk);
    if (other && other !== id) throw new ConfigError(`--instance gives challenge ${pk} two instances (${other} and ${id})`);
    instanceIds.set(pk, id);
  }
  if (via === 'evalai' && instanceIds.size > 0) throw new ConfigError('--instance is for --via aws; through EvalAI the server knows the instance');
  const policy: ScaleEc2Policy = { via, instanceIds, region: flags.region?.trim() || undefined, awsTimeoutMs };
  if (policy.via === 'aws' && !policy.region && !(await regionFromSdk())) {
    throw new ConfigError('--via aws: no AWS region configured: pass --region, set AWS_REGION, or set region in the profile of the AWS config file (~/.aws/config, AWS_PROFILE)');
  }
  return policy;
}
