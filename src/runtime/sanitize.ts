/**
 * Server-supplied text (challenge titles, error messages, anything read from a response) on its way
 * to a terminal or a log: control characters (ANSI escapes, carriage returns, bidi overrides) are
 * dropped, runs of whitespace and newlines become one space, and the text is cut to `max`
 * characters with a note of how much was left out. The one helper for every output edge.
 */

/** A challenge title in a report line. */
export const MAX_TITLE_CHARS = 120;
/** An error or reason in a report line or the status file. */
export const MAX_MESSAGE_CHARS = 600;
/** Any string value in a log line. */
export const MAX_LOG_STRING_CHARS = 2_000;

// C0 and C1 controls, DEL, and the Unicode bidi/format characters that reorder or hide text.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
// An ANSI escape sequence (CSI ... final byte, or OSC ... BEL/ST): removed whole, not only its ESC.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u009b[0-?]*[ -/]*[@-~]/g;

export function cleanText(text: string, max: number = MAX_MESSAGE_CHARS): string {
  // Cut first (with a margin for what is removed below): a 100 MB string is never scanned whole.
  const head = text.length > max * 4 + 64 ? text.slice(0, max * 4 + 64) : text;
  const cleaned = head.replace(ANSI, '').replace(CONTROL, '').replace(/\s+/g, ' ').trim();
  if (cleaned.length <= max && head.length === text.length) return cleaned;
  // Already cut by an earlier pass: the same again, not a cut of the cut.
  const note = / \(\d+ characters in all\)$/.exec(cleaned);
  if (head.length === text.length && note && cleaned.length - note[0].length <= max + 1) return cleaned;
  if (cleaned.length <= max) return `${cleaned}… (${text.length} characters in all)`;
  return `${cleaned.slice(0, max)}… (${text.length} characters in all)`;
}

/** cleanText over every string inside a plain value (objects, arrays), for log lines and reports. */
export function cleanStrings<T>(value: T, max: number = MAX_LOG_STRING_CHARS, depth = 0): T {
  if (typeof value === 'string') return cleanText(value, max) as T;
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cleanStrings(v, max, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cleanStrings(v, max, depth + 1);
  return out as T;
}
