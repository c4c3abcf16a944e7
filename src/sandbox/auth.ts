/**
 * DRF authentication and the permission classes the endpoints use (contract §1.2):
 * simplejwt `JWTAuthentication` (Bearer refresh tokens) then `ExpiringTokenAuthentication`
 * (`Token <key>`). Every failure is a 401 with `WWW-Authenticate: Bearer realm="api"`,
 * because the first authenticator is the JWT one.
 */
import { jsonReply, ReplyError } from './reply.js';
import type { SandboxState, SandboxUser } from './state.js';

export const WWW_AUTHENTICATE = 'Bearer realm="api"';

function unauthorized(body: Record<string, unknown>): ReplyError {
  return new ReplyError(jsonReply(401, body, { 'WWW-Authenticate': WWW_AUTHENTICATE }));
}

function tokenNotValid(message: string): ReplyError {
  return unauthorized({
    detail: 'Given token not valid for any token type',
    code: 'token_not_valid',
    messages: [{ token_class: 'RefreshToken', token_type: 'refresh', message }],
  });
}

function checkActive(user: SandboxUser): SandboxUser {
  if (user.isActive === false) throw unauthorized({ detail: 'User is inactive', code: 'user_inactive' });
  return user;
}

function authenticateJwt(token: string, state: SandboxState): SandboxUser {
  const user = state.users.find((u) => u.token === token);
  if (!user || user.tokenState === 'expired') throw tokenNotValid('Token is invalid or expired');
  if (user.tokenState === 'blacklisted') throw tokenNotValid('Token is blacklisted');
  return checkActive(user);
}

function authenticateLegacy(parts: string[], state: SandboxState): SandboxUser {
  if (parts.length === 1) throw unauthorized({ detail: 'Invalid token header. No credentials provided.' });
  if (parts.length > 2) throw unauthorized({ detail: 'Invalid token header. Token string should not contain spaces.' });
  const user = state.users.find((u) => u.legacyKey !== undefined && u.legacyKey === parts[1]);
  if (!user) throw unauthorized({ detail: 'Invalid token' });
  if (user.tokenState === 'expired') throw unauthorized({ detail: 'Token has expired' });
  if (user.isActive === false) throw unauthorized({ detail: 'User inactive or deleted' });
  return user;
}

/** The authenticated user, null for anonymous; throws the 401 for a bad header or token. */
export function authenticate(authorization: string | undefined, state: SandboxState): SandboxUser | null {
  // Python str.split(): any whitespace, no empty parts.
  const parts = (authorization ?? '').split(/\s+/).filter((p) => p.length > 0);
  if (parts.length === 0) return null;
  if (parts[0] === 'Bearer') {
    if (parts.length !== 2) {
      throw unauthorized({
        detail: 'Authorization header must contain two space-delimited values',
        code: 'bad_authorization_header',
      });
    }
    return authenticateJwt(parts[1]!, state);
  }
  if (parts[0]!.toLowerCase() === 'token') return authenticateLegacy(parts, state);
  return null; // Another scheme: neither authenticator claims it, so the request is anonymous.
}

export function notAuthenticated(): ReplyError {
  return unauthorized({ detail: 'Authentication credentials were not provided.' });
}

/** `HasVerifiedEmail`: 403 for an authenticated user without a verified address. */
export function verifiedEmailDenied(): ReplyError {
  return new ReplyError(jsonReply(403, { detail: 'Please verify your email!' }));
}
