import { EvalAIError, STAFF_REMEDY, TOKEN_REMEDY } from './errors.js';
import { errorBodyMessage } from './error-body.js';

const AUTHENTICATION_CODES = new Set(['token_not_valid', 'bad_authorization_header', 'user_inactive', 'user_not_found']);
const AUTHENTICATION_DETAILS = [/credentials were not provided/i, /^invalid token/i, /token has expired/i];

/**
 * Maps a non-2xx response to a typed error (contract §1.2, §1.7, §5.1: EvalAI says "not authorised"
 * with 400, 401, 403 or 406 depending on the view, so the body decides, not only the status).
 */
export function errorForStatus(
  endpoint: string,
  status: number,
  body: unknown,
  text: string,
  headers: Record<string, unknown>,
  opts: { staffOnly?: boolean } = {},
): EvalAIError {
  const error = errorForStatusOnly(endpoint, status, body, text, headers);
  return opts.staffOnly ? asStaffRefusal(error, body) : error;
}

/**
 * On an endpoint only staff may call, whose staff check comes first (contract §2.5 metrics: 403;
 * §2.7 manage_worker delete, §2.8-2.9 EC2: 400), a JSON `{"error": "...not authorized..."}` can only
 * mean the token's user is not staff: every other call of the run would be refused the same way, so
 * it is a run-level error. Anything else (an HTML 403 from a proxy, a 404) stays what it was.
 */
function asStaffRefusal(error: EvalAIError, body: unknown): EvalAIError {
  if (error.kind !== 'not-authorised') return error;
  const said = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).error : undefined;
  if (typeof said !== 'string' || !/not authori[sz]ed/i.test(said)) return error;
  return new EvalAIError(
    'not-staff',
    error.endpoint,
    `this token is not a staff token: EvalAI refused it on a staff-only endpoint (HTTP ${error.status}: "${errorBodyMessage(body, '')}"); ${STAFF_REMEDY}`,
    error.status,
  );
}

function errorForStatusOnly(
  endpoint: string,
  status: number,
  body: unknown,
  text: string,
  headers: Record<string, unknown>,
): EvalAIError {
  const message = errorBodyMessage(body, text);
  const obj = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const authorisation = /authori[sz]ed/i.test(message);

  if (status >= 300 && status < 400) {
    const location = typeof headers.location === 'string' ? headers.location : '(no Location)';
    return new EvalAIError(
      'redirect',
      endpoint,
      `HTTP ${status} redirect to ${location}, not followed (check the scheme, host and path of API_HOST_URL)`,
      status,
    );
  }
  if (status === 401) {
    const isAuthentication =
      (typeof obj.code === 'string' && AUTHENTICATION_CODES.has(obj.code)) ||
      (typeof obj.detail === 'string' && AUTHENTICATION_DETAILS.some((re) => re.test(obj.detail as string))) ||
      (!authorisation && headers['www-authenticate'] !== undefined);
    if (isAuthentication) {
      return new EvalAIError('token-rejected', endpoint, `EvalAI rejected the token (${message}): ${TOKEN_REMEDY}`, status);
    }
    return new EvalAIError('not-authorised', endpoint, `not authorised: ${message}`, status);
  }
  if (status === 403 || (status === 400 && authorisation)) {
    return new EvalAIError('not-authorised', endpoint, `not authorised (HTTP ${status}): ${message}`, status);
  }
  if (status === 404 || (status === 406 && /does not exist|was removed/i.test(message))) {
    const hint = /^HTML page/.test(message) ? ' (no such route: check API_HOST_URL)' : '';
    return new EvalAIError('not-found', endpoint, `not found (HTTP ${status}): ${message}${hint}`, status);
  }
  if (status === 429) {
    return new EvalAIError('throttled', endpoint, `throttled (HTTP 429): ${message}`, status);
  }
  if (status >= 500) {
    return new EvalAIError('server-error', endpoint, `server error (HTTP ${status}): ${message}`, status);
  }
  return new EvalAIError('rejected', endpoint, `refused (HTTP ${status}): ${message}`, status);
}
