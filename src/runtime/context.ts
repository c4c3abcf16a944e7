import { DateTime } from 'luxon';
import type { Logger } from './logger.js';
import type { Secrets } from './secrets.js';
import type { Transport } from '../evalai/transport.js';

/** Everything a command's run() needs from the outside world, injected so tests can build one. */
export interface RunContext {
  transport: Transport;
  logger: Logger;
  secrets: Secrets;
  now: () => DateTime;
  dryRun: boolean;
  concurrency: number;
  maxPages: number;
  only?: ReadonlySet<number>;
}

export const systemClock = (): DateTime => DateTime.utc();
