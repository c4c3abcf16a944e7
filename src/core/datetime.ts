import { DateTime } from 'luxon';

const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * EvalAI datetimes (contract §1.5): ISO-8601 in UTC, `Z` suffix, a 6-digit fraction only when the
 * microseconds are not 0; `autoscale_meta.end_date` uses `+00:00` instead of `Z`. All of these
 * parse. A string without an offset is refused: its time zone would be a guess.
 */
export function parseEvalAIDateTime(text: string): DateTime | null {
  if (!HAS_OFFSET.test(text.trim())) return null;
  const dt = DateTime.fromISO(text.trim(), { setZone: true });
  return dt.isValid ? dt.toUTC() : null;
}

/** True when the end date has passed. A null end date means the challenge never ends. */
export function hasEnded(endDate: DateTime | null, now: DateTime): boolean {
  return endDate !== null && endDate.toMillis() <= now.toMillis();
}
