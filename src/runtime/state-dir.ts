import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { expandHome, type Env } from './config.js';

/**
 * Where locks and status files live: --state-dir, else EVALAI_AUTOSCALER_STATE_DIR, else
 * $XDG_STATE_HOME/evalai-autoscaler, else ~/.local/state/evalai-autoscaler. Created if missing.
 */
export function resolveStateDir(flag: string | undefined, env: Env): string {
  const dir = stateDirPath(flag, env);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ConfigError(`cannot create the state directory ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}); set --state-dir`);
  }
  return dir;
}

/** The state directory's path, without creating it. */
export function stateDirPath(flag: string | undefined, env: Env): string {
  return expandHome(
    flag ?? env.EVALAI_AUTOSCALER_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(env.HOME ?? homedir(), '.local', 'state'), 'evalai-autoscaler'),
  );
}
