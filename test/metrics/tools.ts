import { spawnSync } from 'node:child_process';
import { freePort, startServerProcess } from '../fakes/child-server.js';

/** The path of an executable on PATH, or null. */
export function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export const HOW_TO_GET = 'apt-get install prometheus prometheus-pushgateway';

/** One line on stderr saying why a test file is skipped and how to run it. */
export function sayMissing(tool: string): void {
  process.stderr.write(`skipped: ${tool} not found; to run these tests: ${HOW_TO_GET}\n`);
}

/** Runs a command with stdin, returns its exit code and output. */
export function run(cmd: string, args: string[], input = ''): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

export { freePort };

export interface Gateway {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Starts prometheus-pushgateway on 127.0.0.1 without persistence, and resolves once its /-/ready
 * answers 200; rejects with its output if it exits first (a port taken meanwhile, for one).
 */
export async function startGateway(binary: string): Promise<Gateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { stop } = await startServerProcess(binary, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], `${url}/-/ready`);
  return { url, stop };
}
