/**
 * The outside world a command touches besides the network: output streams, the environment, and
 * time. Production uses the process's own; tests pass buffers, an env object and instant sleeps.
 */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  /** Waits between retries (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
