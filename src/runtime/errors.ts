import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/** An error that ends the whole run with a specific exit code and a one-line message. */
export class RunError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

/** Bad flag, missing environment variable, unreadable or invalid config file. Exit 2. */
export class ConfigError extends RunError {
  constructor(message: string) {
    super(message, ExitCode.Usage);
    this.name = 'ConfigError';
  }
}

/** A change that was not sent because the run was told to stop (a signal): provably nothing happened. */
export class HaltedError extends Error {
  constructor(readonly why: string) {
    super(`not sent: ${why}`);
    this.name = 'HaltedError';
  }
}

/**
 * The marker of an error after which nothing else in the run can succeed (a rejected token: every
 * later call would be rejected too). The runner stops starting work on it and the run exits 3.
 * Any source sets it (EvalAIError does for `token-rejected` and `not-staff`); core reads only this.
 */
export interface RunFatal {
  readonly runFatal: true;
}

/** Whether `err` carries the RunFatal marker. */
export function isRunFatal(err: unknown): err is RunFatal {
  return typeof err === 'object' && err !== null && (err as { runFatal?: unknown }).runFatal === true;
}

/** The one-line text of any thrown value, without stack or nested request objects. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
