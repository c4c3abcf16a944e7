import { pino, type Logger } from 'pino';
import type { Secrets } from './secrets.js';
import type { LogSink } from './log-stream.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
      hooks: {
        streamWrite: (line: string) => opts.secrets.scrub(line),
      },
    },
    stream,
  );
}
