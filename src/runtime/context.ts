import { DateTime } from 'luxon';
import type { Logger } from './logger.js';
import type { Secrets } from './secrets.js';
import type { ActionGuard } from './action-guard.js';
import type { Deadline } from './deadline.js';
import type { Transport } from '../evalai/transport.js';
import type { HistoryBook } from '../state/history-book.js';
import type { Outcome } from '../core/outcome.js';

/** Everything a command's run() needs from the outside world, injected so tests can build one. */
export interface RunContext {
  transport: Transport;
  logger: Logger;
  secrets: Secrets;
  now: () => DateTime;
  dryRun: boolean;
  /** Changes (writes) at a time; the transport holds writes to it. */
  concurrency: number;
  /** Challenges observed at a time (default: `concurrency`). */
  readConcurrency?: number;
  maxPages: number;
  only?: ReadonlySet<number>;
  /** Past it, no new challenge is started (--deadline). */
  deadline: Deadline;
  /** The previous run stopped early after this challenge: this run starts after it (fairness). */
  resumeAfter?: number;
  /**
   * Whether the runner keeps a challenge's outcome in the result (false: the caller counted it
   * instead). Unset: every outcome is kept.
   */
  keepOutcome?: (outcome: Outcome) => boolean;
  /** Every mutating action claims its target here first: once per target, --max-actions in all. */
  guard: ActionGuard;
  /** What earlier runs of this command and target remember (commands that keep a history; read-only in a dry run). */
  history?: HistoryBook;
}

export const systemClock = (): DateTime => DateTime.utc();
