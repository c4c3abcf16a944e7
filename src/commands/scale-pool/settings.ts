import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { registerAwsEnvSecrets } from '../../aws/env-secrets.js';
import type { CliIO } from '../../runtime/io.js';
import type { ShellSpec } from '../../runtime/run-shell.js';
import { selectPools, type PoolConfig, type PoolFile } from '../../pool/config.js';
import { loadPoolFileWithStacks } from '../../pool/pulumi-stack.js';
import { exec } from '../../runtime/exec.js';
import { DEFAULTS, loadCommonConfig, loadEvalAIConfig, type CommonConfig, type CommonFlags, type EvalAIConfig } from '../../runtime/config.js';
import { ConfigError } from '../../runtime/errors.js';
import { fileRunTargetKey } from '../../runtime/run-target.js';
import { Secrets } from '../../runtime/secrets.js';
import { resolveStateDir, stateDirPath } from '../../runtime/state-dir.js';
import { MAX_PAUSE_BY_CHARS, MAX_PAUSE_REASON_CHARS } from '../../pool/pause.js';
import { cleanText } from '../../runtime/sanitize.js';
import { assertBuildable } from './sources.js';

export interface PoolFlags extends CommonFlags {
  config?: string;
  pool?: string;
  interval?: number;
}

/** Everything a scale-pool run knows before its shell starts: all configuration errors are raised here. */
export interface PoolSetup {
  file: PoolFile;
  pools: PoolConfig[];
  common: CommonConfig;
  /** Only when a chosen pool reads its demand from EvalAI. */
  evalai?: EvalAIConfig;
  /** Timeout of each AWS call. */
  awsTimeoutMs: number;
  /** Where the pool state files are (read even in a dry run; written only after a real one). */
  stateDir: string;
  spec: ShellSpec;
}

/** The SDK's default of 3 attempts per AWS call. */
const AWS_ATTEMPTS = 3;

/**
 * The layers for scale-pool, in one place: defaults <- the pool file (--config, env
 * SCALE_POOL_CONFIG) <- environment <- flags. The pool file is read and validated whole before any
 * lock is taken (a pool's `fromPulumi` stack is read then too, with `pulumi stack output --json`); API_HOST_URL
 * and AUTH_TOKEN are needed only when a chosen pool's demand is `evalai`.
 */
export async function preparePoolRun(flags: PoolFlags, io: CliIO, opts: { dryRun?: boolean; onePool?: string } = {}): Promise<PoolSetup> {
  const common = { ...loadCommonConfig(flags, io.env), ...(opts.dryRun ? { dryRun: true } : {}) };
  const path = (flags.config ?? io.env.SCALE_POOL_CONFIG)?.trim();
  if (!path) throw new ConfigError('no pool file: pass --config pool.json or set SCALE_POOL_CONFIG');
  const file = await loadPoolFileWithStacks(path, { exec });
  const pools = selectPools(file, flags.pool);
  for (const pool of pools) assertBuildable(pool);
  if (opts.onePool && pools.length > 1) {
    throw new ConfigError(`${opts.onePool} acts on one pool: ${file.path} holds ${pools.length} (${pools.map((p) => p.name).join(', ')}); pass --pool NAME`);
  }
  const warnings: string[] = [];
  const secrets = new Secrets();
  registerAwsEnvSecrets(io.env, secrets);
  const evalai = pools.some((p) => p.demand.type === 'evalai') ? loadEvalAIConfig(flags, io.env, warnings) : undefined;
  if (evalai) secrets.add(evalai.token);
  const awsTimeoutMs = flags.timeout ?? DEFAULTS.timeoutMs;
  const requestMs = Math.max(2 * awsTimeoutMs * AWS_ATTEMPTS, evalai ? 2 * evalai.timeoutMs * evalai.maxAttempts : 0);
  const targetKey = fileRunTargetKey('scale-pool', file.path, flags.pool ?? '');
  return {
    file,
    pools,
    common,
    ...(evalai ? { evalai } : {}),
    awsTimeoutMs,
    stateDir: stateDirPath(flags.stateDir, io.env),
    spec: {
      name: 'scale-pool',
      io,
      common,
      ...(flags.stateDir !== undefined ? { stateDirFlag: flags.stateDir } : {}),
      targetKey,
      targetLabel: flags.pool ? `${resolve(file.path)} (pool ${flags.pool})` : resolve(file.path),
      secrets,
      warnings,
      hardMs: common.deadlineMs + requestMs + DEFAULTS.hardDeadlineGraceMs,
    },
  };
}

export interface PauseFlags {
  config?: string;
  pool?: string;
  reason?: string;
  by?: string;
  json?: boolean;
  dryRun?: boolean;
  stateDir?: string;
  timeout?: number;
}

/** What `pause` / `resume` act with: the one pool, the author and reason, where the pause is kept. */
export interface PauseSettings {
  file: PoolFile;
  pool: PoolConfig;
  reason?: string;
  by: string;
  secrets: Secrets;
  dryRun: boolean;
  coordinated: boolean;
  stateDir: string;
}

/**
 * `pause` / `resume`'s settings: the pool file (SCALE_POOL_CONFIG, with its `fromPulumi` stacks),
 * exactly one pool, `--reason`, `--by` (default user@host), the state directory (made and checked
 * only when the pause file is written). Usage errors are ConfigErrors (exit 2).
 */
export async function loadPauseSettings(flags: PauseFlags, io: CliIO, command: string): Promise<PauseSettings> {
  const path = (flags.config ?? io.env.SCALE_POOL_CONFIG)?.trim();
  if (!path) throw new ConfigError('no pool file: pass --config pool.json or set SCALE_POOL_CONFIG');
  const file = await loadPoolFileWithStacks(path, { exec });
  const pools = selectPools(file, flags.pool);
  if (pools.length > 1) throw new ConfigError(`${command} acts on one pool: ${file.path} holds ${pools.length} (${pools.map((p) => p.name).join(', ')}); pass --pool NAME`);
  const pool = pools[0]!;
  const reason = flags.reason === undefined ? undefined : cleanText(flags.reason, MAX_PAUSE_REASON_CHARS);
  if (flags.reason !== undefined && !reason) throw new ConfigError('--reason must not be empty');
  const by = cleanText(flags.by ?? whoAmI(io.env), MAX_PAUSE_BY_CHARS);
  if (!by) throw new ConfigError('--by must not be empty');
  const secrets = new Secrets();
  registerAwsEnvSecrets(io.env, secrets);
  const dryRun = flags.dryRun ?? false;
  const coordinated = pool.backend.type === 'ec2' && pool.backend.coordination !== undefined;
  const stateDir = coordinated || dryRun ? stateDirPath(flags.stateDir, io.env) : resolveStateDir(flags.stateDir, io.env);
  return { file, pool, ...(reason ? { reason } : {}), by, secrets, dryRun, coordinated, stateDir };
}

/** user@host, as the pause's author when --by is not given. */
function whoAmI(env: CliIO['env']): string {
  let user = env.USER ?? env.LOGNAME;
  try {
    user ??= userInfo().username;
  } catch {
    user ??= 'unknown';
  }
  return `${user}@${hostname()}`;
}
