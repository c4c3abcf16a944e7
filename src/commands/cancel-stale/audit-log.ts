import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expandHome, type Env } from '../../runtime/config.js';
import { stateDirPath } from '../../runtime/state-dir.js';
import { ConfigError } from '../../runtime/errors.js';
import type { AuditRecord } from './notice.js';

export const AUDIT_LOG_NAME = 'cancel-stale-audit.jsonl';

/**
 * Where the audit log goes: --audit-log, else CANCEL_STALE_AUDIT_LOG, else `cancel-stale-audit.jsonl`
 * in the state directory (--state-dir, EVALAI_AUTOSCALER_STATE_DIR, ...: see src/runtime/state-dir.ts),
 * so a cron job finds the same file whatever its working directory.
 */
export function auditLogPath(flag: string | undefined, env: Env, stateDirFlag?: string): string {
  const explicit = flag ?? env.CANCEL_STALE_AUDIT_LOG;
  if (explicit) return expandHome(explicit);
  return join(stateDirPath(stateDirFlag, env), AUDIT_LOG_NAME);
}

/** The file operations the audit log uses: node:fs, or a stand-in that fails on purpose (tests). */
export interface AuditFs {
  mkdirSync(path: string, opts: { recursive: true; mode: number }): unknown;
  openSync(path: string, flags: string, mode: number): number;
  fstatSync(fd: number): { size: number };
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fdatasyncSync(fd: number): void;
  ftruncateSync(fd: number, len: number): void;
  closeSync(fd: number): void;
}

export const nodeAuditFs: AuditFs = { mkdirSync, openSync, fstatSync, writeSync, fdatasyncSync, ftruncateSync, closeSync };

export interface AuditLog {
  readonly path: string;
  /**
   * Appends one JSON line and flushes it to disk (fdatasync) before returning. Throws if the line
   * was not written whole and flushed (a short write, ENOSPC, EIO...): the caller must then act as
   * if nothing was recorded. A partly written line is cut off again, so it never runs into the next.
   */
  append(record: AuditRecord): void;
  close(): void;
}

/**
 * Opens the append-only JSON-lines audit log (mode 600; its directory is created, mode 700). Called
 * before anything is sent, so an unusable path is a configuration error (exit 2) and not a
 * discovery halfway through the run.
 */
export function openAuditLog(path: string, fs: AuditFs = nodeAuditFs): AuditLog {
  let fd: number;
  try {
    fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = fs.openSync(path, 'a', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`cannot open the audit log ${path} (${code}); set --audit-log to a writable file`);
  }
  let open = true;
  /** A torn line could not be cut off: the next line starts on a new line. */
  let torn = false;
  return {
    path,
    append(record) {
      if (!open) throw new Error(`the audit log ${path} is closed`);
      const line = Buffer.from(`${torn ? '\n' : ''}${JSON.stringify(record)}\n`, 'utf8');
      let size: number | null = null;
      let written = 0;
      try {
        size = fs.fstatSync(fd).size;
        while (written < line.length) {
          const n = fs.writeSync(fd, line, written, line.length - written);
          if (!(n > 0)) throw new Error('nothing written');
          written += n;
        }
        fs.fdatasyncSync(fd);
        torn = false;
      } catch (err) {
        if (written > 0) torn = !cutBack(fs, fd, size);
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        const what = written < line.length ? `${written} of ${line.length} bytes written` : 'not flushed to disk';
        throw new Error(`audit log ${path}: a line could not be written whole (${what}: ${code})`);
      }
    },
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}

/** Truncates the file back to where the failed line began; false if it could not. */
function cutBack(fs: AuditFs, fd: number, size: number | null): boolean {
  if (size === null) return false;
  try {
    fs.ftruncateSync(fd, size);
    return true;
  } catch {
    return false;
  }
}
