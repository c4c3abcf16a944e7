import { DateTime, FixedOffsetZone } from 'luxon';

const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;
/** The form EvalAI always sends: parsed without luxon's general ISO parser (a list page has hundreds). */
const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * EvalAI datetimes (contract §1.5): ISO-8601 in UTC, `Z` suffix, a 6-digit fraction only when the
 * microseconds are not 0; `autoscale_meta.end_date` uses `+00:00` instead of `Z`. All of these
 * parse. A string without an offset is refused: its time zone would be a guess.
 */
export function parseEvalAIDateTime(text: string): DateTime | null {
  const trimmed = text.trim();
  const fast = parseCanonical(trimmed);
  if (fast !== undefined) return fast;
  if (!HAS_OFFSET.test(trimmed)) return null;
  const dt = DateTime.fromISO(trimmed, { setZone: true });
  return dt.isValid ? dt.toUTC() : null;
}

/**
 * The canonical form, read the way luxon's fromISO reads it (the fraction truncated to
 * milliseconds as luxon does). Undefined: not that form, left to luxon; null: that form but an
 * impossible date or time.
 */
function parseCanonical(text: string): DateTime | null | undefined {
  const m = CANONICAL.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Math.floor(parseFloat('0.' + m[7]) * 1000);
  const offsetHours = m[8] ? 0 : Number(m[10]);
  const offsetMinutes = m[8] ? 0 : Number(m[11]);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || offsetMinutes > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const back = new Date(wall);
  if (year < 100 || back.getUTCDate() !== day || back.getUTCMonth() !== month - 1) return day >= 1 && day <= 31 ? null : undefined;
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return DateTime.fromMillis(wall - offset * 60_000, { zone: FixedOffsetZone.utcInstance });
}

/** True when the end date has passed. A null end date means the challenge never ends. */
export function hasEnded(endDate: DateTime | null, now: DateTime): boolean {
  return endDate !== null && endDate.toMillis() <= now.toMillis();
}
