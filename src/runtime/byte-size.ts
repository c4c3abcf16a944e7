/** Bounds of --max-response-bytes: below 64 KiB a normal page would not fit; above 1 GiB is no cap. */
export const MIN_BYTE_SIZE = 64 * 1024;
export const MAX_BYTE_SIZE = 1024 * 1024 * 1024;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** "32MiB", "512k", "1048576" -> bytes (binary units); null when not a size in bounds. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return null;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) && n >= MIN_BYTE_SIZE && n <= MAX_BYTE_SIZE ? n : null;
}

export const BYTE_SIZE_HINT = 'expected a size from 64KiB to 1GiB, such as 32MiB, 512KiB or 1048576 (bytes)';
