import { writeSync } from 'node:fs';

/**
 * Where log lines go, built so that a failing log never stops or hides the work: a line that cannot
 * be written (a full disk, a closed pipe, an I/O error) is dropped and counted, never thrown into
 * the run. The count reaches the report and the status file.
 */
export interface LogSink {
  write(line: string): void;
  /** Lines dropped because the stream failed. */
  readonly dropped: number;
  /** The first write error's code, for the report (ENOSPC, EPIPE, ...). */
  readonly firstError: string | undefined;
}

/** How long one line may wait on a full pipe (EAGAIN) before it is dropped. */
const MAX_BLOCKED_MS = 5_000;
const BLOCKED_POLL_MS = 10;

/** A sink over a file descriptor (2 in production), written synchronously so nothing is lost at exit. */
export function fdLogSink(fd: number, write: typeof writeSync = writeSync): LogSink {
  return new Sink((line) => writeAllSync(fd, Buffer.from(line), write));
}

/** A sink over a stream (tests, or a pretty-printer): its synchronous throws are caught and counted. */
export function streamLogSink(stream: NodeJS.WritableStream): LogSink {
  const sink = new Sink((line) => {
    stream.write(line);
  });
  // An asynchronous stream error (EPIPE on a closed reader) must not crash the process either.
  if ('on' in stream && typeof stream.on === 'function') stream.on('error', (err: NodeJS.ErrnoException) => sink.fail(err));
  return sink;
}

class Sink implements LogSink {
  dropped = 0;
  firstError: string | undefined;
  private broken = false;

  constructor(private readonly put: (line: string) => void) {}

  write(line: string): void {
    if (this.broken) {
      this.dropped++;
      return;
    }
    try {
      this.put(line);
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  fail(err: NodeJS.ErrnoException): void {
    this.dropped++;
    this.firstError ??= err.code ?? err.message;
    // A closed reader never comes back: stop trying. A full disk may free up: keep trying.
    if (err.code === 'EPIPE' || err.code === 'EBADF') this.broken = true;
  }
}

function writeAllSync(fd: number, buf: Buffer, write: typeof writeSync): void {
  let offset = 0;
  let blockedMs = 0;
  while (offset < buf.length) {
    try {
      const n = write(fd, buf, offset, buf.length - offset);
      if (n <= 0) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      offset += n;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || blockedMs >= MAX_BLOCKED_MS) throw err;
      // A non-blocking pipe whose reader is behind: wait a little, as a blocking write would.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BLOCKED_POLL_MS);
      blockedMs += BLOCKED_POLL_MS;
    }
  }
}
