import { pino, type Logger } from 'pino';
import type { Secrets } from './secrets.js';
import { readableLogStream } from './terminal-output.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * pino JSON on stderr (stdout is for the human summary or --json). Every line is scrubbed of
 * registered secrets before it is written, and the usual secret-bearing keys are redacted by path.
 */
export function createLogger(opts: {
  level: LogLevel;
  secrets: Secrets;
  command: string;
  destination?: NodeJS.WritableStream;
  /** Readable lines instead of JSON (a terminal; see terminal-output.ts). */
  readable?: boolean;
}): Logger {
  const stream = opts.readable ? readableLogStream(opts.destination ?? process.stderr) : (opts.destination ?? pino.destination({ fd: 2, sync: true }));
  return pino(
    {
      level: opts.level,
      base: { command: opts.command, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['authorization', 'headers.authorization', '*.headers.authorization', 'token', 'auth_token', 'aws_keys', '*.aws_keys'],
        censor: '[REDACTED]',
      },
      hooks: {
        streamWrite: (line: string) => opts.secrets.scrub(line),
      },
    },
    stream,
  );
}
