/**
 * Runs one command in process, as its bin would: `main(argv, io)` with in-memory stdout and stderr,
 * an environment object, and instant sleeps so retries and Retry-After cost nothing.
 */
import { Writable } from 'node:stream';
import { main } from '../../../src/cli/main.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface RunResult {
  argv: string[];
  /** null when main() threw (a crash). */
  code: number | null;
  threw?: unknown;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function runInProcess(argv: string[], env: Record<string, string | undefined>): Promise<RunResult> {
  const stdout = new Sink();
  const stderr = new Sink();
  const started = Date.now();
  try {
    const code = await main(argv, { stdout, stderr, env, sleep: async () => undefined });
    return { argv, code, stdout: stdout.text, stderr: stderr.text, ms: Date.now() - started };
  } catch (threw) {
    return { argv, code: null, threw, stdout: stdout.text, stderr: stderr.text, ms: Date.now() - started };
  }
}
