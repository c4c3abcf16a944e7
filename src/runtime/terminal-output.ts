import { Writable } from 'node:stream';
import type { LogLevel } from './logger.js';

export interface LogOutput {
  level: LogLevel;
  /** Human-readable lines instead of pino JSON (a person is watching a terminal). */
  readable: boolean;
}

/**
 * How the log on stderr is written. Under cron (stderr not a TTY) nothing changes: pino JSON at the
 * configured level. On a terminal, when no level was asked for (`LOG_LEVEL`/`--log-level`), only
 * warnings and errors, as readable lines, so the human summary on stdout is not buried. `--quiet`
 * lowers the default to warnings, on a terminal or not. An explicit level always wins, as JSON.
 */
export function chooseLogOutput(opts: { level: LogLevel; levelGiven: boolean; stderrIsTTY: boolean; quiet: boolean }): LogOutput {
  if (opts.levelGiven) return { level: opts.level, readable: false };
  if (opts.quiet) return { level: 'warn', readable: opts.stderrIsTTY };
  if (opts.stderrIsTTY) return { level: 'warn', readable: true };
  return { level: opts.level, readable: false };
}

export function isTTY(stream: NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Keys every line has, or that the line's start already shows. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'command', 'msg']);

/** One pino JSON line as a person reads it: `12:00:01 WARN  challenge list: ... key=value`. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = (LEVEL_NAMES[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return [time, level, String(entry.msg ?? ''), ...fields].filter(Boolean).join(' ');
}

/** A stream for pino that writes each JSON line to `target` as a readable line. */
export function readableLogStream(target: NodeJS.WritableStream): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const out = lines.filter((l) => l.trim()).map((l) => formatLogLine(l) + '\n').join('');
      if (out) target.write(out);
      cb();
    },
    final(cb) {
      if (pending.trim()) target.write(formatLogLine(pending) + '\n');
      cb();
    },
  });
}
