/**
 * The one redaction layer: every secret the run knows (tokens, AWS keys, config-file secrets) is
 * registered here once, and every byte written to stdout, stderr or a report passes through scrub().
 */
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not scrubbed: they would mangle ordinary words (e.g. a token "a"). */
const MIN_SECRET_LENGTH = 4;

export class Secrets {
  private readonly values = new Set<string>();

  add(value: string | undefined | null): void {
    if (!value) return;
    const trimmed = value.trim();
    if (trimmed.length >= MIN_SECRET_LENGTH) this.values.add(trimmed);
  }

  /** Registers every secret another registry holds (one read before the run's existed). */
  addAll(other: Secrets): void {
    for (const v of other.values) this.values.add(v);
  }

  get size(): number {
    return this.values.size;
  }

  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(REDACTED);
    }
    return out;
  }
}
