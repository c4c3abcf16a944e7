/**
 * Exit codes shared by every command. Documented in docs/architecture.md and each command's page.
 * A cron wrapper can alert on anything non-zero and tell the cases apart by number.
 */
export const ExitCode = {
  /** Nothing failed (also when there was nothing to do). */
  Ok: 0,
  /** Some challenges failed; the rest were handled. */
  Partial: 1,
  /** Usage or configuration error: nothing was attempted. */
  Usage: 2,
  /** EvalAI unreachable or the token rejected: nothing could be done. */
  Unavailable: 3,
  /** Another run of the same command and target holds the lock: this one did nothing. */
  Locked: 4,
  /** The --deadline passed: work in flight finished, the rest was not reached. */
  Deadline: 5,
  /** --max-actions was reached: further starts, stops, scales or cancels were refused. */
  MaxActions: 6,
  /** SIGINT stopped the run: in-flight work finished or was recorded, nothing new started (128 + 2). */
  Interrupted: 130,
  /** SIGTERM stopped the run, as SIGINT does (128 + 15). */
  Terminated: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** 128 + the signal's number, as a shell reports a process ended by it. */
export function signalExitCode(signal: NodeJS.Signals): ExitCodeValue {
  return signal === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated;
}
