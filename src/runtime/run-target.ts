import { createHash } from 'node:crypto';

/**
 * The name of what a run acts on, for its lock and status files: the command, the EvalAI host, and
 * a short hash of everything that tells two targets apart (base URL, a config file path).
 * `scale-workers@eval.ai-1a2b3c4d`.
 */
export function runTargetKey(command: string, baseUrl: string, extra = ''): string {
  const host = new URL(baseUrl).host.replace(/[^A-Za-z0-9.-]/g, '_');
  const hash = createHash('sha256').update(`${baseUrl}\n${extra}`).digest('hex').slice(0, 8);
  return `${command}@${host}-${hash}`;
}
