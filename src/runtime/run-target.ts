import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/**
 * The name of what a run acts on, for its lock and status files: the command, the EvalAI host, and
 * a short hash of everything that tells two targets apart (the server, a config file).
 * `scale-workers@eval.ai-1a2b3c4d`.
 *
 * Spellings of one server give one key: the host's case, a default port written out or left
 * implicit, `localhost` / `127.x.x.x` / `::1`, a trailing slash. Still told apart (documented in
 * docs/operations.md): two DNS names of one machine, a name and its IP address, and two schemes
 * on the same port.
 */
export function runTargetKey(command: string, baseUrl: string, scope: RunScope = {}): string {
  const url = new URL(baseUrl);
  const host = isLoopback(url.hostname) ? 'localhost' : url.hostname.toLowerCase().replace(/\.$/, '');
  const parts = [serverIdentity(url), scope.configFile === undefined ? '' : `file:${canonicalPath(scope.configFile)}`, scope.mode ?? ''];
  const hash = createHash('sha256')
    .update(parts.join('\n'))
    .digest('hex')
    .slice(0, 8);
  return `${command}@${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${hash}`;
}

/**
 * The key of a run whose target is a file rather than an EvalAI server (scale-pool's pool file):
 * the command, the file's base name, and a short hash of its canonical path and the mode (the
 * pools picked). `scale-pool@pool.json-1a2b3c4d`. The same file however it is named gives one key.
 */
export function fileRunTargetKey(command: string, configFile: string, mode = ''): string {
  const path = canonicalPath(configFile);
  const hash = createHash('sha256').update(`file:${path}\n${mode}`).digest('hex').slice(0, 8);
  const base = (path.split('/').pop() || 'file').replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 40);
  return `${command}@${base}-${hash}`;
}

/** What besides the server tells two targets of a command apart. */
export interface RunScope {
  /** A config file the run reads its targets from (compared by canonical path). */
  configFile?: string;
  /** A mode that reaches other targets (scale-eks's `lambda` source). */
  mode?: string;
}

/** host:port/path, with the loopback names folded and the scheme's default port made explicit. */
export function serverIdentity(url: URL): string {
  const host = isLoopback(url.hostname) ? 'loopback' : url.hostname.toLowerCase().replace(/\.$/, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${host}:${port}${url.pathname.replace(/\/+$/, '')}`;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The same file however it was named: absolute, and through symlinks when it exists. */
function canonicalPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/**
 * The key version 0.1.0 gave the same target (before spellings were folded), so that a status file
 * written by it is carried over instead of being left behind as a target that never runs again.
 */
export function legacyRunTargetKey(command: string, baseUrl: string, scope: RunScope = {}): string {
  const extra = scope.configFile !== undefined ? `file:${scope.configFile}` : (scope.mode ?? '');
  const host = new URL(baseUrl).host.replace(/[^A-Za-z0-9.-]/g, '_');
  const hash = createHash('sha256').update(`${baseUrl}\n${extra}`).digest('hex').slice(0, 8);
  return `${command}@${host}-${hash}`;
}
