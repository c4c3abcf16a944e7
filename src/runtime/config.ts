import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { BYTE_SIZE_HINT, parseByteSize } from './byte-size.js';
import { DEFAULTS } from './defaults.js';
import { ConfigError } from './errors.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { normaliseToken } from './token-text.js';
import { loadMetricsConfig, type MetricsConfig, type MetricsFlags } from '../metrics/config.js';
import { resolveEnvMode, type EnvMode, type UnknownEnv } from './env-mode.js';
import type { Env } from './env.js';

export type { Env } from './env.js';

/** Flags every command shares. Undefined means "not given": the environment or the default applies. */
export interface CommonFlags extends MetricsFlags {
  apiHostUrl?: string;
  authTokenFile?: string;
  timeout?: number;
  retries?: number;
  concurrency?: number;
  readConcurrency?: number;
  maxPages?: number;
  logLevel?: string;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  challenge?: number[];
  rateLimit?: number;
  stateDir?: string;
  waitLock?: number;
  deadline?: number;
  maxActions?: number;
  maxResponseBytes?: number;
  /** --env (scale-workers only); else ENV names the deployment. */
  env?: EnvMode;
}

export interface EvalAIConfig {
  /** API_HOST_URL without trailing slashes. */
  baseUrl: string;
  token: string;
  timeoutMs: number;
  /** Attempts per GET: 1 + retries. */
  maxAttempts: number;
  /** Largest response body read, before and after decompression. */
  maxResponseBytes: number;
}

export interface CommonConfig {
  logLevel: LogLevel;
  /** --log-level or LOG_LEVEL was given: the log is JSON at that level, even on a terminal. */
  levelGiven: boolean;
  /** The deployment this run serves (--env, else ENV, else dev): runtime/env-mode.ts. */
  mode: EnvMode;
  dryRun: boolean;
  json: boolean;
  verbose: boolean;
  concurrency: number;
  readConcurrency: number;
  maxPages: number;
  only?: ReadonlySet<number>;
  /** Calls a minute to EvalAI's user-throttled endpoints (server budget: 60, shared per user). */
  rateLimitPerMinute: number;
  /** How long to wait for another run's lock (0: exit at once). */
  waitLockMs: number;
  /** Past this, no new work starts. */
  deadlineMs: number;
  /** Mutating actions allowed in one run; undefined: the command's own default. */
  maxActions?: number;
  /** Where the run's metrics go (--metrics-file, --pushgateway). */
  metrics: MetricsConfig;
}

/** The defaults live in their own module so --help can show them without loading the run path. */
export { DEFAULTS };

/**
 * Layers, in one place: defaults <- environment <- flags. Each command's own settings loader
 * (src/commands/<cmd>/settings.ts) adds its layers (and its file, if any) the same way; all of them
 * run before the run takes its lock. `warnings` gathers what is logged once the logger exists.
 */
export function loadCommonConfig(flags: CommonFlags, env: Env, warnings: string[] = [], opts: { unknownEnv?: UnknownEnv } = {}): CommonConfig {
  const logLevel = (flags.logLevel ?? env.LOG_LEVEL ?? DEFAULTS.logLevel).toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    logLevel: logLevel as LogLevel,
    levelGiven: Boolean(flags.logLevel ?? env.LOG_LEVEL),
    mode: resolveEnvMode(flags.env, env, warnings, opts.unknownEnv ?? 'warn'),
    dryRun: flags.dryRun ?? false,
    json: flags.json ?? false,
    verbose: flags.verbose ?? false,
    concurrency: flags.concurrency ?? DEFAULTS.concurrency,
    readConcurrency: flags.readConcurrency ?? DEFAULTS.readConcurrency,
    maxPages: flags.maxPages ?? DEFAULTS.maxPages,
    only: flags.challenge && flags.challenge.length > 0 ? new Set(flags.challenge) : undefined,
    rateLimitPerMinute: flags.rateLimit ?? DEFAULTS.rateLimitPerMinute,
    waitLockMs: flags.waitLock ?? DEFAULTS.waitLockMs,
    deadlineMs: flags.deadline ?? DEFAULTS.deadlineMs,
    maxActions: flags.maxActions,
    metrics: loadMetricsConfig(flags, env, flags.dryRun ?? false),
  };
}

export function loadEvalAIConfig(
  flags: CommonFlags,
  env: Env,
  warnings: string[] = [],
  token: 'required' | 'optional' = 'required',
): EvalAIConfig {
  const hasToken = Boolean(flags.authTokenFile ?? env.AUTH_TOKEN_FILE ?? env.AUTH_TOKEN?.trim());
  return {
    baseUrl: parseBaseUrl(flags.apiHostUrl ?? env.API_HOST_URL),
    token: token === 'optional' && !hasToken ? '' : loadToken(flags.authTokenFile, env, warnings),
    timeoutMs: flags.timeout ?? DEFAULTS.timeoutMs,
    maxAttempts: 1 + (flags.retries ?? DEFAULTS.retries),
    maxResponseBytes: flags.maxResponseBytes ?? maxResponseBytesFromEnv(env),
  };
}

function maxResponseBytesFromEnv(env: Env): number {
  const text = env.MAX_RESPONSE_BYTES?.trim();
  if (!text) return DEFAULTS.maxResponseBytes;
  const n = parseByteSize(text);
  if (n === null) throw new ConfigError(`MAX_RESPONSE_BYTES "${text.slice(0, 40)}": ${BYTE_SIZE_HINT}`);
  return n;
}

export function parseBaseUrl(value: string | undefined): string {
  if (!value || value.trim() === '') {
    throw new ConfigError('API_HOST_URL is not set: export API_HOST_URL=https://eval.ai (or pass --api-host-url)');
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(`API_HOST_URL "${value}" is not a URL (expected e.g. https://eval.ai)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`API_HOST_URL must be http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new ConfigError('API_HOST_URL must not contain credentials');
  if (url.search || url.hash) throw new ConfigError('API_HOST_URL must not contain a query or fragment');
  return (url.origin + url.pathname).replace(/\/+$/, '');
}

/**
 * The bearer token: --auth-token-file, else AUTH_TOKEN_FILE, else AUTH_TOKEN. A file keeps it out of
 * the crontab line and `ps`. The token itself never appears in an error message.
 */
export function loadToken(flagFile: string | undefined, env: Env, warnings: string[]): string {
  const file = flagFile ?? env.AUTH_TOKEN_FILE;
  if (file) return readTokenFile(file, 'the token file', warnings);
  const raw = env.AUTH_TOKEN?.trim();
  if (!raw || raw === 'None') {
    throw new ConfigError('AUTH_TOKEN is not set: export AUTH_TOKEN (or AUTH_TOKEN_FILE, or pass --auth-token-file)');
  }
  return normaliseToken(raw, 'AUTH_TOKEN', warnings);
}

/**
 * A file that holds one token and nothing else (`what` names it in errors: "the token file"). Its
 * path may start with `~`; a file readable by group or others gets a warning.
 */
export function readTokenFile(file: string, what: string, warnings: string[]): string {
  const path = expandHome(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (!text.trim()) throw new ConfigError(`${what} ${path} is empty`);
  const token = normaliseToken(text, `${what} ${path}`, warnings);
  warnIfShared(path, what, warnings);
  return token;
}

export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return homedir() + path.slice(1);
  return path;
}

/** A file holding secrets should be readable by its owner only. */
export function warnIfShared(path: string, what: string, warnings: string[]): void {
  try {
    const mode = statSync(path).mode;
    if (mode & 0o077) {
      warnings.push(`${what} ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    }
  } catch {
    // It was just read; a stat failure here is not worth failing the run for.
  }
}
