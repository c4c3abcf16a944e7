import type { Env } from '../../runtime/config.js';
import { auditLogPath } from './audit-log.js';
import { cancelStalePolicy, type CancelStalePolicy } from './policy.js';

export interface CancelStaleSettingsFlags {
  olderThan?: number;
  days?: number;
  includeQueued?: boolean;
  auditLog?: string;
  stateDir?: string;
}

export interface CancelStaleSettings {
  policy: CancelStalePolicy;
  /** --audit-log, else CANCEL_STALE_AUDIT_LOG, else the state directory's cancel-stale-audit.jsonl. */
  auditLogPath: string;
}

/** cancel-stale's settings, all layers (defaults <- environment <- flags), called before the run takes its lock. */
export function loadCancelStaleSettings(flags: CancelStaleSettingsFlags, env: Env): CancelStaleSettings {
  return {
    policy: cancelStalePolicy({ olderThanMs: flags.olderThan, days: flags.days, includeQueued: flags.includeQueued }),
    auditLogPath: auditLogPath(flags.auditLog, env, flags.stateDir),
  };
}
