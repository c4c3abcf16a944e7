import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expandHome, type Env } from '../../runtime/config.js';
import { stateDirPath } from '../../runtime/state-dir.js';
import { ConfigError } from '../../runtime/errors.js';
import type { AuditIntent, AuditResult } from './notice.js';

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

export interface AuditLog {
  readonly path: string;
  /** Appends one JSON line and flushes it to disk before returning; throws if it cannot. */
  append(record: AuditIntent | AuditResult): void;
  close(): void;
}

/**
 * Opens the append-only JSON-lines audit log (mode 600; its directory is created, mode 700). Called
 * before anything is sent, so an unusable path is a configuration error (exit 2) and not a
 * discovery halfway through the run.
 */
export function openAuditLog(path: string): AuditLog {
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(path, 'a', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`cannot open the audit log ${path} (${code}); set --audit-log to a writable file`);
  }
  let open = true;
  return {
    path,
    append(record) {
      if (!open) throw new Error(`the audit log ${path} is closed`);
      writeSync(fd, JSON.stringify(record) + '\n');
      fdatasyncSync(fd);
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
