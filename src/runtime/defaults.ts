import type { LogLevel } from './logger.js';

/**
 * Every default in one place. A leaf module (type imports only): --help and the option parsers read
 * it without loading the run path (pino, axios, zod).
 */
export const DEFAULTS = {
  timeoutMs: 10_000,
  retries: 2,
  /** Changes (writes) sent at a time. */
  concurrency: 4,
  /**
   * Challenges observed at a time: their reads (metrics, submission lists) are not user-throttled,
   * so they run wider than the writes and overlap the challenge list's pages.
   */
  readConcurrency: 16,
  maxPages: 1000,
  logLevel: 'info' as LogLevel,
  rateLimitPerMinute: 50,
  /** Generous for a challenge list page (150 challenges are well under 1 MiB) and a long submission list. */
  maxResponseBytes: 32 * 1024 * 1024,
  waitLockMs: 0,
  /** A little under five minutes: the usual cron interval. */
  deadlineMs: 270_000,
  /** After SIGTERM or SIGINT, what is in flight gets this long before it is recorded as unknown. */
  signalGraceMs: 10_000,
  /** A holder's lock goes stale this long after its own watchdog would have ended it. */
  lockMarginMs: 60_000,
  /** After the deadline, in-flight work gets its request timeouts plus this long before the run is abandoned. */
  hardDeadlineGraceMs: 5_000,
  /**
   * --max-actions per command: well above a normal run, far below a runaway one. A first
   * cancel-stale run on an old deployment may legitimately find many stale submissions.
   */
  maxActions: { 'scale-workers': 50, 'scale-ec2': 20, 'scale-eks': 20, 'cancel-stale': 200, 'stop-idle': 50, 'scale-pool': 50 } as Record<string, number>,
};
