import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command through the real CLI entry (commander, config layers, logger, redaction, report)
 * in this process: faster than a child process, and AWS can be mocked with aws-sdk-client-mock.
 */
export async function runInProcess(argv: string[], env: Record<string, string | undefined>): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const code = await main(argv, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env,
    sleep: async () => undefined,
  });
  return { code, stdout, stderr };
}
