/**
 * Datetimes as the EvalAI server writes and reads them (contract §1.5, §2.11).
 * JS dates carry milliseconds; a millisecond value m renders as the 6-digit fraction m*1000.
 */

function isoParts(date: Date): { base: string; fraction: string } {
  const ms = date.getUTCMilliseconds();
  return {
    base: date.toISOString().slice(0, 19),
    fraction: ms === 0 ? '' : `.${String(ms * 1000).padStart(6, '0')}`,
  };
}

/** DRF DateTimeField: UTC, `Z`, fraction only when microseconds ≠ 0; null stays null. */
export function renderDrfDate(date: Date | null): string | null {
  if (!date) return null;
  const { base, fraction } = isoParts(date);
  return `${base}${fraction}Z`;
}

/** Python `datetime.isoformat()` of an aware UTC value: `+00:00`, not `Z` (autoscale_meta). */
export function renderPythonIsoformat(date: Date | null): string | null {
  if (!date) return null;
  const { base, fraction } = isoParts(date);
  return `${base}${fraction}+00:00`;
}

// django.utils.dateparse.datetime_re (Django 2.2), matched from the start of the string.
const DJANGO_DATETIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6})\d{0,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Django `parse_datetime`: null when the string is not well formed or names an impossible
 * date. A value without an offset is taken as UTC (TIME_ZONE = "UTC").
 */
export function parseDjangoDatetime(value: string): Date | null {
  const m = DJANGO_DATETIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const micro = Number((m[7] ?? '').padEnd(6, '0') || 0);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(micro / 1000));
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  const tz = m[8];
  let offsetMinutes = 0;
  if (tz && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  }
  return new Date(utc - offsetMinutes * 60_000);
}

/** Django's `parse_datetime` also accepts a JS Date or a timestamp value given as JSON. */
export function toDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return parseDjangoDatetime(value);
  return null;
}
