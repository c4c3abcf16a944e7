import type { Env } from './env.js';
import { ConfigError } from './errors.js';

/**
 * The deployment a run serves, from `--env` or `ENV`. Only scale-workers decides by it (dev scales
 * every challenge; staging and prod leave remote-evaluation challenges to their hosts), but every
 * run names it in its "run started" line so a log says which one ran.
 */
export const ENV_MODES = ['dev', 'staging', 'prod'] as const;
export type EnvMode = (typeof ENV_MODES)[number];

/** The accepted spellings, as a user would type them (production is prod). */
export const ENV_NAMES = ['dev', 'staging', 'prod', 'production'] as const;

export const DEFAULT_ENV_MODE: EnvMode = 'dev';

/** `dev`, `staging`, `prod` or `production` (any case, surrounding spaces ignored); null otherwise. */
export function parseEnvMode(value: string): EnvMode | null {
  const v = value.trim().toLowerCase();
  if (v === 'production') return 'prod';
  return (ENV_MODES as readonly string[]).includes(v) ? (v as EnvMode) : null;
}

/**
 * What an unknown `ENV` does: `refuse` (the EvalAI commands: a typo such as `stagin` would run as dev
 * and act on remote-evaluation challenges that staging and prod leave alone; upstream fell back to
 * dev), or `warn` (a command that never decides by the mode, where ENV may be another program's).
 */
export type UnknownEnv = 'refuse' | 'warn';

/**
 * The mode of this run: the flag (already validated), else `ENV`, else dev. An unset or empty `ENV`
 * (upstream's wrappers export an empty one) is dev. An unknown value throws ConfigError (exit 2)
 * naming the known ones, as `--env` does; with `warn`, it gets one warning and the run is dev.
 */
export function resolveEnvMode(flag: EnvMode | undefined, env: Env, warnings: string[], unknown: UnknownEnv = 'refuse'): EnvMode {
  if (flag) return flag;
  const raw = env.ENV;
  if (raw === undefined || raw.trim() === '') return DEFAULT_ENV_MODE;
  const mode = parseEnvMode(raw);
  if (mode) return mode;
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}...` : raw;
  if (unknown === 'refuse') {
    throw new ConfigError(`ENV "${shown}" is not one of ${ENV_NAMES.join(', ')} (an unknown ENV is refused, it does not run as ${DEFAULT_ENV_MODE})`);
  }
  warnings.push(`ENV "${shown}" is not one of ${ENV_NAMES.join(', ')}; running as ${DEFAULT_ENV_MODE}`);
  return DEFAULT_ENV_MODE;
}

/** staging and prod are deployments where a remote-evaluation challenge's host runs its own workers. */
export function skipsRemoteEvaluation(mode: EnvMode): boolean {
  return mode !== 'dev';
}
