import { cleanText } from '../runtime/sanitize.js';

/**
 * Pulls the human message out of an EvalAI error body, whatever its shape: {"error": "..."},
 * {"detail": "..."}, {"message": "..." | botocore error}, {"error": {"Code","Message"}}, or HTML.
 */
export function errorBodyMessage(body: unknown, rawText: string): string {
  // Kept short and free of control characters: it ends up in error lines, reports and logs.
  return cleanText(rawErrorBodyMessage(body, rawText));
}

function rawErrorBodyMessage(body: unknown, rawText: string): string {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    for (const key of ['error', 'detail', 'message']) {
      if (key in o) return describeErrorValue(o[key]) + simplejwtMessage(o);
    }
  }
  if (/^\s*</.test(rawText)) {
    const title = /<title>([^<]{0,500})<\/title>/i.exec(rawText.slice(0, 100_000))?.[1]?.trim();
    return title ? `HTML page "${title}"` : 'HTML page';
  }
  const oneLine = rawText.slice(0, 1000).replace(/\s+/g, ' ').trim();
  return oneLine.length > 160 ? `${oneLine.slice(0, 160)}…` : oneLine || '(empty body)';
}

/** A string, a botocore `{Code, Message}`, or a full botocore response `{Error: {Code, Message}}`. */
export function describeErrorValue(value: unknown): string {
  if (typeof value === 'string') return cleanText(value);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const inner = (o.Error && typeof o.Error === 'object' ? o.Error : o) as Record<string, unknown>;
    const code = typeof inner.Code === 'string' ? inner.Code : undefined;
    const msg = typeof inner.Message === 'string' ? inner.Message : undefined;
    if (code || msg) return [code, msg].filter(Boolean).join(': ');
    try {
      const json = JSON.stringify(value);
      return json.length > 160 ? `${json.slice(0, 160)}…` : json;
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** simplejwt adds why the token failed: `messages: [{"message": "Token is blacklisted"}]`. */
function simplejwtMessage(o: Record<string, unknown>): string {
  if (!Array.isArray(o.messages)) return '';
  const first = o.messages[0] as { message?: unknown } | undefined;
  return typeof first?.message === 'string' ? `: ${first.message}` : '';
}
