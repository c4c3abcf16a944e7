import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { expandHome, type Env } from './config.js';
import { STATE_DIR_FIX } from './lock.js';

/**
 * Where locks and status files live: --state-dir, else EVALAI_AUTOSCALER_STATE_DIR, else
 * $XDG_STATE_HOME/evalai-autoscaler, else ~/.local/state/evalai-autoscaler. Created if missing,
 * and proven writable (a small file written and removed) before the run does anything: a
 * read-only, foreign or full state directory is one line naming it and the fix, exit 2.
 */
export function resolveStateDir(flag: string | undefined, env: Env): string {
  const dir = stateDirPath(flag, env);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw stateDirError(dir, err, 'create the state directory');
  }
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    writeFileSync(probe, 'evalai-autoscaler state directory write check\n'.repeat(16), { flag: 'w' });
  } catch (err) {
    throw stateDirError(dir, err, 'write to the state directory');
  } finally {
    rmSync(probe, { force: true });
  }
  return dir;
}

/** The state directory's path, without creating it. */
export function stateDirPath(flag: string | undefined, env: Env): string {
  return expandHome(
    flag ?? env.EVALAI_AUTOSCALER_STATE_DIR ?? join(env.XDG_STATE_HOME ?? join(env.HOME ?? homedir(), '.local', 'state'), 'evalai-autoscaler'),
  );
}

export function stateDirError(path: string, err: unknown, what: string): ConfigError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  return new ConfigError(`cannot ${what} ${path} (${code}): ${STATE_DIR_FIX[code] ?? 'check it, or set --state-dir'}; nothing was done`);
}
