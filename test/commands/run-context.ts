import { DateTime } from 'luxon';
import { pino } from 'pino';
import type { RunContext } from '../../src/runtime/context.js';
import { ActionGuard } from '../../src/runtime/action-guard.js';
import { Deadline } from '../../src/runtime/deadline.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { Transport } from '../../src/evalai/transport.js';

export interface TestContextOptions {
  dryRun?: boolean;
  only?: number[];
  deadline?: Deadline;
  maxActions?: number;
  /** Log lines (pino JSON, scrubbed) land here. */
  logs?: string[];
}

/** A RunContext as runCommand builds it, with a transport aimed at the sandbox and no waits. */
export function testContext(baseUrl: string, token: string, opts: TestContextOptions = {}): RunContext {
  const secrets = new Secrets();
  secrets.add(token);
  const logs = opts.logs;
  const logger = pino(
    { level: logs ? 'debug' : 'silent', hooks: { streamWrite: (line: string) => secrets.scrub(line) } },
    { write: (line: string) => void logs?.push(line) },
  );
  const transport = new Transport({
    baseUrl,
    token,
    timeoutMs: 5_000,
    maxAttempts: 1,
    logger,
    allowWrites: !opts.dryRun,
    retryBaseMs: 1,
    sleep: async () => undefined,
  });
  return {
    transport,
    logger,
    secrets,
    now: () => DateTime.utc(),
    dryRun: opts.dryRun ?? false,
    concurrency: 4,
    maxPages: 10,
    deadline: opts.deadline ?? Deadline.never(),
    guard: new ActionGuard(opts.maxActions ?? 1000),
    ...(opts.only ? { only: new Set(opts.only) } : {}),
  };
}
