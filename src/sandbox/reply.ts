/**
 * What a route answers, before it is written to the socket. JSON replies keep the value
 * (not the text) so `transform`/`*-next` faults can rewrite them.
 */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** A JSON body (rendered compactly, like DRF's JSONRenderer). */
  json?: unknown;
  /** A non-JSON body; `contentType` says what it is. */
  text?: string;
  contentType?: string;
}

export function jsonReply(status: number, json: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers, json };
}

export function textReply(status: number, text: string, contentType: string, headers: Record<string, string> = {}): Reply {
  return { status, headers, text, contentType };
}

/** Throw from a view to answer at once (DRF exceptions, early Responses). */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

/** DRF NotFound: 404 `{"detail": …}`. */
export function notFoundDetail(detail: string): ReplyError {
  return new ReplyError(jsonReply(404, { detail }));
}

/** An early `Response({"error": …}, status)`. */
export function errorReply(status: number, error: unknown): ReplyError {
  return new ReplyError(jsonReply(status, { error }));
}

/**
 * An unhandled Python exception inside a view (e.g. `is_active` on a null date):
 * Django answers with its HTML 500 page (`handler500`).
 */
export class ServerCrash extends Error {}
