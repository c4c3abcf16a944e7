/**
 * Typed errors of the EvalAI client. Commands tell them apart by `kind`; none of them ever carries
 * the token, a request header or a raw axios object.
 */
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
  constructor(
    readonly kind: EvalAIErrorKind,
    /** Endpoint name, e.g. "challenge list" or "manage_worker/start". */
    readonly endpoint: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${endpoint}: ${message}`);
    this.name = 'EvalAIError';
  }
}

export function isEvalAIError(err: unknown, kind?: EvalAIErrorKind): err is EvalAIError {
  return err instanceof EvalAIError && (kind === undefined || err.kind === kind);
}

/** Errors after which nothing else in the run can succeed: stop, exit 3. */
export function isRunFatal(err: unknown): boolean {
  return isEvalAIError(err, 'token-rejected') || isEvalAIError(err, 'not-staff');
}

export const STAFF_REMEDY = "use a staff user's token (is_staff in EvalAI's admin) in AUTH_TOKEN or AUTH_TOKEN_FILE";

export const TOKEN_REMEDY =
  'get a fresh token from your EvalAI profile page (the refresh token shown under "Auth Token") and update AUTH_TOKEN or AUTH_TOKEN_FILE';
