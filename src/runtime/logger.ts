import { pino, type Logger } from 'pino';
import type { Secrets } from './secrets.js';
import type { LogSink } from './log-stream.js';
import { cleanStrings, cleanText } from './sanitize.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MAX_LOG_MESSAGE_CHARS = 2_000;

/**
 * pino JSON on stderr (stdout is for the human summary or --json). Every line is scrubbed of
 * registered secrets before it is written, and the usual secret-bearing keys are redacted by path.
 * Lines go to `sink`, which drops (and counts) what it cannot write instead of throwing.
 */
export function createLogger(opts: { level: LogLevel; secrets: Secrets; command: string; sink: LogSink }): Logger {
  const stream = { write: (line: string) => opts.sink.write(line) };
  return pino(
    {
      level: opts.level,
      base: { command: opts.command, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['authorization', 'headers.authorization', '*.headers.authorization', 'token', 'auth_token', 'aws_keys', '*.aws_keys'],
        censor: '[REDACTED]',
      },
      // Server-supplied text (titles, error bodies) reaches log lines: every string is kept short
      // and free of control characters (see sanitize.ts), so one hostile response cannot write
      // hundreds of megabytes of log.
      formatters: {
        log: (fields: Record<string, unknown>) => cleanStrings(fields),
      },
      hooks: {
        logMethod(args: unknown[], method: (...a: unknown[]) => void) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? cleanText(a, MAX_LOG_MESSAGE_CHARS) : a)));
        },
        streamWrite: (line: string) => opts.secrets.scrub(line),
      },
    },
    stream,
  );
}
