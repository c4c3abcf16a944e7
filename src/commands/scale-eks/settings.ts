import type { AwsCredentials } from '../../aws/clients.js';
import { DEFAULT_CROSS_ACCOUNT_ROLE } from '../../aws/sts.js';
import { type Env, readTokenFile } from '../../runtime/config.js';
import { Secrets } from '../../runtime/secrets.js';
import { normaliseToken } from '../../runtime/token-text.js';
import { loadEksConfigFile, type EksConfigFile } from './config-file.js';
import { ConfigError } from '../../runtime/errors.js';
import type { EksSource, ScaleEksPolicy } from './policy.js';

export interface ScaleEksSettingsFlags {
  configFile?: string;
  source?: string;
  crossAccountRole?: string;
  region?: string;
}

export interface ScaleEksSettings {
  policy: ScaleEksPolicy;
  /** Config-file mode needs the staff AUTH_TOKEN (metrics); LAMBDA_AUTH_TOKEN mode needs none. */
  evalaiToken: 'required' | 'optional';
  /** Logged once the logger exists. */
  warnings: string[];
  /** File mode: the config file, read and validated before the run takes its lock. */
  file?: EksConfigFile;
  /** The file's tokens and keys, to register with the run's secrets. */
  secrets: Secrets;
}

/**
 * Which source of challenges, chosen by what is configured: --config-file (or --source file with
 * JSON_PATH), else JSON_PATH, else LAMBDA_AUTH_TOKEN(_FILE). Both JSON_PATH and a Lambda token
 * without a flag saying which is a configuration error, as is neither. Upstream's runner exports
 * JSON_PATH="" when no file is given: an empty value counts as unset.
 */
export function resolveScaleEksSettings(flags: ScaleEksSettingsFlags, env: Env, awsTimeoutMs: number): ScaleEksSettings {
  const warnings: string[] = [];
  const secrets = new Secrets();
  const configPath = nonEmpty(flags.configFile) ?? nonEmpty(env.JSON_PATH);
  const lambdaConfigured = Boolean(nonEmpty(env.LAMBDA_AUTH_TOKEN) ?? nonEmpty(env.LAMBDA_AUTH_TOKEN_FILE));
  const wanted = flags.source?.trim().toLowerCase();
  if (wanted !== undefined && wanted !== 'file' && wanted !== 'lambda') {
    throw new ConfigError(`--source must be "file" or "lambda", not "${flags.source}"`);
  }

  let kind: 'file' | 'lambda';
  if (wanted === 'file' || (wanted === undefined && nonEmpty(flags.configFile))) kind = 'file';
  else if (wanted === 'lambda') kind = 'lambda';
  else if (configPath && lambdaConfigured) {
    throw new ConfigError('both JSON_PATH and LAMBDA_AUTH_TOKEN are set: choose the source with --source file or --source lambda');
  } else if (configPath) kind = 'file';
  else if (lambdaConfigured) kind = 'lambda';
  else {
    throw new ConfigError('nothing to scale: set JSON_PATH (or pass --config-file) to the EKS config file, or set LAMBDA_AUTH_TOKEN to use the autoscale endpoints');
  }

  let source: EksSource;
  if (kind === 'file') {
    if (!configPath) throw new ConfigError('--source file needs the config file: set JSON_PATH or pass --config-file');
    source = { kind: 'file', path: configPath };
  } else {
    source = { kind: 'lambda', token: loadLambdaToken(env, warnings) };
  }

  const accessKeyId = nonEmpty(env.EKS_AWS_ACCESS_KEY_ID);
  const secretAccessKey = nonEmpty(env.EKS_AWS_SECRET_ACCESS_KEY);
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigError('EKS_AWS_ACCESS_KEY_ID and EKS_AWS_SECRET_ACCESS_KEY go together: set both or neither');
  }
  const defaultCredentials: AwsCredentials =
    accessKeyId && secretAccessKey
      ? { kind: 'static', accessKeyId, secretAccessKey, sessionToken: nonEmpty(env.EKS_AWS_SESSION_TOKEN), source: 'EKS_AWS_*' }
      : { kind: 'default' };

  const defaultRegion =
    nonEmpty(flags.region) ??
    nonEmpty(env.EKS_AWS_REGION) ??
    (kind === 'lambda' ? (nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION)) : undefined);
  const crossAccountRoleName = nonEmpty(flags.crossAccountRole) ?? nonEmpty(env.EKS_AUTOSCALE_CROSS_ACCOUNT_ROLE_NAME) ?? DEFAULT_CROSS_ACCOUNT_ROLE;
  if (!/^[\w+=,.@/-]{1,512}$/.test(crossAccountRoleName)) {
    throw new ConfigError(`the cross-account role name "${crossAccountRoleName}" is not a valid IAM role name`);
  }

  return {
    policy: { source, defaultCredentials, ...(defaultRegion ? { defaultRegion } : {}), crossAccountRoleName, awsTimeoutMs },
    evalaiToken: kind === 'file' ? 'required' : 'optional',
    warnings,
    secrets,
  };
}

/**
 * scale-eks's settings, all layers, called before the run takes its lock: the flags and environment
 * (resolveScaleEksSettings), then, in file mode, the config file itself, read and validated, so an
 * unreadable or invalid file is a configuration error (exit 2) before anything is locked or asked.
 */
export function loadScaleEksSettings(flags: ScaleEksSettingsFlags, env: Env, awsTimeoutMs: number): ScaleEksSettings {
  const settings = resolveScaleEksSettings(flags, env, awsTimeoutMs);
  const src = settings.policy.source;
  return src.kind === 'file' ? { ...settings, file: loadEksConfigFile(src.path, settings.secrets) } : settings;
}

/** LAMBDA_AUTH_TOKEN_FILE (kept out of the crontab and `ps`), else LAMBDA_AUTH_TOKEN. */
function loadLambdaToken(env: Env, warnings: string[]): string {
  const file = nonEmpty(env.LAMBDA_AUTH_TOKEN_FILE);
  if (file) return readTokenFile(file, 'LAMBDA_AUTH_TOKEN_FILE', warnings);
  const token = nonEmpty(env.LAMBDA_AUTH_TOKEN);
  if (!token) throw new ConfigError('--source lambda needs LAMBDA_AUTH_TOKEN (or LAMBDA_AUTH_TOKEN_FILE)');
  return normaliseToken(token, 'LAMBDA_AUTH_TOKEN', warnings);
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}
