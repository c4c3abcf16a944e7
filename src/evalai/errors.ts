/**
 * Typed errors of the EvalAI client. Commands tell them apart by `kind`; none of them ever carries
 * the token, a request header or a raw axios object.
 */
import { HaltedError } from '../runtime/errors.js';
export { isRunFatal } from '../runtime/errors.js';
export type EvalAIErrorKind =
  | 'token-rejected' // 401 from the authenticator: the token is invalid, expired or blacklisted
  | 'not-authorised' // the token is fine but lacks rights (400/401/403 with an "authorized" message)
  | 'not-staff' // a staff-only endpoint said "not authorized": the run's token is not a staff user's
  | 'not-found' // 404, or 406 "does not exist" from the by-pk challenge view
  | 'throttled' // 429 (after honouring Retry-After as far as allowed)
  | 'server-error' // 5xx
  | 'rejected' // another 4xx: the server refused the request (its message says why)
  | 'redirect' // a 3xx: never followed
  | 'malformed-response' // the body is not JSON or does not have the contract's shape
  | 'unreachable' // network error or timeout
  | 'unsafe-pagination'; // a `next` on a foreign origin, a loop, or too many pages

export class EvalAIError extends Error {
  /** Nothing else in the run can succeed after it (runtime/errors' RunFatal marker): exit 3. */
  readonly runFatal: boolean;

  constructor(
    readonly kind: EvalAIErrorKind,
    /** Endpoint name, e.g. "challenge list" or "manage_worker/start". */
    readonly endpoint: string,
    message: string,
    readonly status?: number,
    /**
     * `unreachable` only: the request provably never reached the server (connection refused, host
     * not found...), so the server cannot have acted on it. False after a timeout or a reset.
     */
    readonly notSent: boolean = false,
  ) {
    super(`${endpoint}: ${message}`);
    this.name = 'EvalAIError';
    this.runFatal = kind === 'token-rejected' || kind === 'not-staff';
  }
}

export function isEvalAIError(err: unknown, kind?: EvalAIErrorKind): err is EvalAIError {
  return err instanceof EvalAIError && (kind === undefined || err.kind === kind);
}

/**
 * Whether the server may have carried out a write that failed with `err`. Only a clear refusal
 * proves it did nothing: a 3xx or 4xx answer (a redirect not followed, a domain refusal, 401/403,
 * 404, 429: none of them runs the action), or a request that never left (`notSent`). A 5xx, an
 * answer that is not the expected JSON (HTML, truncated, too big), a timeout or a connection lost
 * after the request was sent, or any other error: the action may have happened.
 */
export function mayHaveActed(err: unknown): boolean {
  if (err instanceof HaltedError) return false; // never sent: the run was told to stop first
  if (!(err instanceof EvalAIError)) return true;
  if (err.kind === 'unreachable') return !err.notSent;
  if (err.kind === 'malformed-response' || err.kind === 'server-error' || err.kind === 'unsafe-pagination') return true;
  return !(err.status !== undefined && err.status >= 300 && err.status < 500);
}

export const STAFF_REMEDY = "use a staff user's token (is_staff in EvalAI's admin) in AUTH_TOKEN or AUTH_TOKEN_FILE";

export const TOKEN_REMEDY =
  'get a fresh token from your EvalAI profile page (the refresh token shown under "Auth Token") and update AUTH_TOKEN or AUTH_TOKEN_FILE';
