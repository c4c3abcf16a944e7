import { isAwsError } from '../../aws/errors.js';
import type { CapacityBackoff } from '../backend.js';

/**
 * The default allocation's one fallback (`backend.allocation` unset): CreateFleet, or the pool's
 * own CreateLaunchTemplate, refused by IAM (a deployment whose policy predates the fleet path)
 * sends that launch through RunInstances (lowest-price-order) in the same tick, with a warning.
 * Only a DEFINITE authorisation refusal counts: EC2 answered UnauthorizedOperation / AccessDenied,
 * so nothing was launched. An unknown outcome (a timeout, a 5xx, an unreadable answer) never falls
 * back: the fleet may have launched, and RunInstances on top could launch twice.
 *
 * The refusal is remembered for FLEET_REFUSAL_MS in the pool's capacity backoff (kept in its state
 * file) under `allocation:fleet-refused:<action>`: meanwhile launches go straight to RunInstances
 * (the warning repeats every tick), then CreateFleet is tried again. Pure.
 */
export const FLEET_REFUSAL_MS = 60 * 60_000;

const AUTHORISATION_CODES = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException']);
const KEY = 'allocation:fleet-refused:';

/** EC2 answered that the caller may not do this (an IAM refusal): definite, nothing was done. */
export function isAuthorisationRefusal(err: unknown): boolean {
  return isAwsError(err, 'access-denied') && err.code !== undefined && AUTHORISATION_CODES.has(err.code);
}

/** Remembers in `backoff` that `action` (e.g. "ec2:CreateFleet") was refused at `now`. */
export function rememberRefusal(backoff: CapacityBackoff, action: string, now: number): void {
  backoff[`${KEY}${action}`] = { until: now + FLEET_REFUSAL_MS, stepMs: FLEET_REFUSAL_MS };
}

/** The refusal remembered in `backoff` and still in force at `now`, or null. */
export function rememberedRefusal(backoff: CapacityBackoff, now: number): { action: string; at: number; until: number } | null {
  for (const [key, entry] of Object.entries(backoff)) {
    if (key.startsWith(KEY) && entry.until > now) return { action: key.slice(KEY.length), at: entry.until - FLEET_REFUSAL_MS, until: entry.until };
  }
  return null;
}

/**
 * The warning of a launch that fell back: the refused action, since when and until when, and the
 * two ways out. `needs`: the actions the fleet path needs (CreateLaunchTemplate too for a pool with
 * raw `launch` fields).
 */
export function fallbackWarning(action: string, code: string | null, at: number, until: number, needs: readonly string[]): string {
  const refused = code ? `refused (${code})` : 'refused';
  return (
    `${action} was ${refused} at ${iso(at)}: launches of this pool go through RunInstances (lowest-price-order) instead of CreateFleet (price-capacity-optimized); ` +
    `CreateFleet is tried again after ${iso(until)}. To fix: grant ${needs.join(' and ')} to the scheduler's IAM policy, ` +
    `or set backend.allocation: "lowest-price-order" to keep RunInstances without this warning`
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
