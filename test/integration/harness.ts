import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BinResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stderr parsed as pino JSON lines (non-JSON lines are kept under `raw`). */
  logs: Array<Record<string, unknown>>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Locks and status files of the bins run by this test process: never the developer's own. */
export const TEST_STATE_DIR = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-state-'));

/**
 * Runs a built bin the way cron does: a child process with only the given environment (plus PATH),
 * no stdin, and returns its exit code, stdout and stderr. `npm test` builds dist/ first.
 */
export function runBin(name: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 30_000): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${ROOT}bin/${name}.js`, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, EVALAI_AUTOSCALER_STATE_DIR: TEST_STATE_DIR, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const logs = stderr
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return { raw: l };
          }
        });
      resolve({ code, stdout, stderr, logs });
    });
  });
}
