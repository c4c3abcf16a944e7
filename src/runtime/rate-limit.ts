/**
 * Client-side pacing for EvalAI's user-throttled endpoints, which share one budget of 60 requests a
 * minute per user (contract §1.3). A sliding window like the server's: at most `perMinute` calls in
 * any 60 s; a caller past that waits for the oldest call to leave the window, instead of sleeping a
 * fixed time after every call as upstream did.
 */
export interface Pacer {
  /** Resolves when one more call may be made now (and counts it). */
  take(): Promise<void>;
  /** Calls counted so far. */
  readonly taken: number;
}

export function createPacer(
  perMinute: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
): Pacer {
  const windowMs = 60_000;
  const history: number[] = [];
  let taken = 0;
  let queue: Promise<void> = Promise.resolve();

  const takeOne = async (): Promise<void> => {
    for (;;) {
      const now = clock.now();
      while (history.length && history[0]! <= now - windowMs) history.shift();
      if (history.length < perMinute) {
        history.push(now);
        taken++;
        return;
      }
      await clock.sleep(history[0]! + windowMs - now);
    }
  };

  return {
    take() {
      // Serialised, so concurrent callers are admitted in order.
      queue = queue.then(takeOne);
      return queue;
    },
    get taken() {
      return taken;
    },
  };
}
