import { ConfigError } from './errors.js';

/**
 * A bearer token as an operator may paste it, made into the token itself: surrounding whitespace
 * and newlines (`echo token > file`, a heredoc), surrounding quotes (`AUTH_TOKEN='"…"'` in a unit
 * file) and a leading scheme word (`Bearer <jwt>`, `Token <key>`, copied from a header) are
 * dropped; the header is built with "Bearer " here. Anything else that cannot be part of a token
 * (whitespace inside it, control or non-ASCII characters) is a ConfigError that says what is wrong
 * and where (`what`: "AUTH_TOKEN", "the token file /path"), never the token. `notes` gets one line
 * per thing dropped, for a warning.
 */
export function normaliseToken(raw: string, what: string, notes: string[] = []): string {
  let token = raw.trim();
  const unquoted = /^(["'])(.*)\1$/s.exec(token);
  if (unquoted) {
    token = unquoted[2]!.trim();
    notes.push(`${what}: surrounding quotes dropped`);
  }
  const bare = /^(bearer|token|jwt)$/i.exec(token);
  if (bare) throw new ConfigError(`${what} is empty after the "${bare[1]}" scheme word`);
  const scheme = /^(bearer|token|jwt)\s+/i.exec(token);
  if (scheme) {
    token = token.slice(scheme[0].length).trim();
    notes.push(`${what}: leading "${scheme[1]}" dropped (set the token alone; the "Bearer " scheme is added by the client)`);
  }
  if (token === '') throw new ConfigError(`${what} is empty${scheme ? ` after the "${scheme[1]}" scheme word` : ''}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(token)) {
    throw new ConfigError(`${what} contains control characters (a stray escape or carriage return?); it must hold only the token`);
  }
  if (/\s/.test(token)) throw new ConfigError(`${what} holds more than one word (whitespace inside it); it must hold only the token`);
  if (/[^\x21-\x7e]/.test(token)) {
    throw new ConfigError(`${what} contains non-ASCII characters, which cannot be sent in an HTTP header; it must hold only the token`);
  }
  return token;
}
