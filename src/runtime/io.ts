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
  /** Where SIGTERM and SIGINT arrive (default: the process). Tests pass an EventEmitter. */
  signals?: SignalSource;
  /** Ends the process at once (a second signal). Default: process.exit. */
  exit?: (code: number) => void;
}

export interface SignalSource {
  on(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
}
