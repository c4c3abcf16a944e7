import type { CliIO } from '../../runtime/io.js';
import { formatDuration } from '../../runtime/duration.js';
import { ConfigError, RunError, describeError } from '../../runtime/errors.js';
import { ExitCode } from '../../runtime/exit-codes.js';
import type { Logger } from '../../runtime/logger.js';

export interface DaemonOptions {
  io: CliIO;
  intervalMs: number;
  logger: Logger;
  /** One tick: one shell run (lock, status file), resolving to its exit code. */
  tick: () => Promise<number>;
}

/**
 * `scale-pool run --interval 60s`: one tick, then a sleep, for ever. Each tick is a whole shell run
 * (the lock taken and released, the status file written). SIGTERM or SIGINT while sleeping ends the
 * daemon at once with 0; during a tick, the tick finishes (the shell records it as interrupted and
 * starts nothing new), then the daemon ends with 0. A tick that finds the lock held is skipped; a
 * configuration error (an unusable state directory) ends the daemon with its code.
 */
export async function runDaemon({ io, intervalMs, logger, tick }: DaemonOptions): Promise<number> {
  const signals = io.signals ?? process;
  let stopBy: NodeJS.Signals | undefined;
  let wake: () => void = () => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stopBy ??= signal;
    wake();
  };
  signals.on('SIGTERM', onSignal);
  signals.on('SIGINT', onSignal);
  try {
    logger.info({ intervalMs }, `daemon started: a tick every ${formatDuration(intervalMs)}`);
    for (let n = 1; stopBy === undefined; n += 1) {
      try {
        const code = await tick();
        if (code !== ExitCode.Ok) logger.warn({ tick: n, exitCode: code }, `tick ${n} ended with exit code ${code}; the next tick tries again`);
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        if (err instanceof RunError && err.exitCode === ExitCode.Locked) logger.warn({ tick: n }, `${err.message}; skipped, the next tick tries again`);
        else logger.error({ tick: n }, `tick ${n} failed: ${describeError(err)}; the next tick tries again`);
      }
      if (stopBy !== undefined) break;
      await new Promise<void>((resolve) => {
        const timer = io.sleep ? undefined : setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (io.sleep) void io.sleep(intervalMs).then(resolve);
      });
      wake = () => undefined;
    }
    logger.info({ signal: stopBy }, `${stopBy} received: the daemon stopped after its last tick`);
    return ExitCode.Ok;
  } finally {
    signals.off('SIGTERM', onSignal);
    signals.off('SIGINT', onSignal);
  }
}
