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
  const abs = Math.abs(ms);
  // Plain arithmetic (no luxon): the option parsers import this module, and --help must stay light.
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = Math.floor((abs % 60_000) / 1000);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}
