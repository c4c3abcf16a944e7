const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses "10s", "5m", "14d", "1h30m", "250ms" into milliseconds. A bare number is taken in
 * `bareUnit` (seconds unless said otherwise). Returns null for anything else.
 */
export function parseDuration(text: string, bareUnit: keyof typeof UNITS = 's'): number | null {
  const s = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * (UNITS[bareUnit] ?? 1000));
  const re = /(\d+(?:\.\d+)?)(ms|min|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== s.length) return null;
  return Math.round(total);
}

/** "15 days 3 h", "12 min", "40 s": how a human reads an age in a log line. */
export function formatDuration(ms: number): string {
  // Plain arithmetic (simulate formats a reason per tick; luxon's shiftTo was most of its time).
  const totalSeconds = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}
