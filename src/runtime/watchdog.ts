import { RunError } from './errors.js';
import { ExitCode } from './exit-codes.js';

/**
 * The last guard against a run that never ends: if `work` has not settled after `ms`, the run is
 * abandoned with exit 5 (the caller then exits the process, ending whatever was still in flight).
 */
export async function withHardDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RunError(`abandoned: still running ${Math.round(ms / 1000)} s after it started (deadline plus request timeouts); some calls never answered`, ExitCode.Deadline)),
      ms,
    );
    timer.unref();
  });
  try {
    return await Promise.race([work, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}
