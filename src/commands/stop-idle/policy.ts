const DAY_MS = 86_400_000;

export type IdleWorkerAction = 'delete' | 'stop';

/** What an operator configures for stop-idle (from flags). */
export interface StopIdlePolicy {
  /** An ended challenge's worker is removed once the end date is more than this long past. */
  graceMs: number;
  /** An unapproved challenge's worker is removed once the challenge is more than this old. */
  unapprovedAfterMs: number;
  /**
   * What to do to an unapproved challenge that has not ended: `delete` (staff only; removes the ECS
   * service) or `stop` (scale to 0). Ended challenges always get `delete`: the server refuses
   * `stop` once `end_date` has passed (contract §2.7).
   */
  unapprovedAction: IdleWorkerAction;
}

export const DEFAULT_STOP_IDLE_POLICY: StopIdlePolicy = { graceMs: DAY_MS, unapprovedAfterMs: 2 * DAY_MS, unapprovedAction: 'delete' };
