import type { Env } from './config.js';

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
 * The mode of this run: the flag (already validated), else `ENV`, else dev. An unset or empty `ENV`
 * (upstream's wrappers export an empty one) is dev; an unknown value gets one warning naming the
 * mode used instead of silently running as dev.
 */
export function resolveEnvMode(flag: EnvMode | undefined, env: Env, warnings: string[]): EnvMode {
  if (flag) return flag;
  const raw = env.ENV;
  if (raw === undefined || raw.trim() === '') return DEFAULT_ENV_MODE;
  const mode = parseEnvMode(raw);
  if (mode) return mode;
  warnings.push(`ENV "${raw}" is not one of ${ENV_NAMES.join(', ')}; running as ${DEFAULT_ENV_MODE}`);
  return DEFAULT_ENV_MODE;
}

/** staging and prod are deployments where a remote-evaluation challenge's host runs its own workers. */
export function skipsRemoteEvaluation(mode: EnvMode): boolean {
  return mode !== 'dev';
}
