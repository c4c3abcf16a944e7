import { RunError } from './errors.js';
import { ExitCode, signalExitCode } from './exit-codes.js';
import type { Deadline } from './deadline.js';

/** How long a run that was abandoned gets to hand in its own report before it is given up on. */
const REPORT_GRACE_MS = 2_000;

/**
 * The last guard against a run that never ends. When the deadline is abandoned (the watchdog
 * after --deadline plus the request timeouts, or the grace after a signal), the runner records
 * what was in flight and returns its report. A command whose loop does not watch for that is
 * given up on shortly after: `work` then rejects with a RunError (exit 5, or 128 + the signal).
 */
export async function withAbandonment<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = deadline.abandoned.then(
    (reason) =>
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const signal = deadline.interruptedBy;
          reject(new RunError(`${reason}; some calls never answered`, signal ? signalExitCode(signal) : ExitCode.Deadline));
        }, REPORT_GRACE_MS);
      }),
  );
  try {
    return await Promise.race([work, guard]);
  } finally {
    clearTimeout(timer);
  }
}
