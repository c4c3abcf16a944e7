/**
 * The parts of an HTTP request the sandbox looks at, parsed the way Django and DRF do:
 * the query as a QueryDict (last value wins, `+` is a space) and a body that DRF parses
 * lazily as JSON, form or multipart (contract §1.4).
 */
import type { IncomingMessage } from 'node:http';
import { jsonReply, ReplyError } from './reply.js';

export interface ParsedRequest {
  method: string;
  /** Raw pathname, never parsed as a URL (so `//api/...` stays a path). */
  path: string;
  /** Raw query string without `?` ('' when absent). */
  rawQuery: string;
  query: Record<string, string>;
  queryPairs: [string, string][];
  headers: Record<string, string | undefined>;
  rawBody: string;
  remoteAddress: string;
}

export function parseQueryPairs(rawQuery: string): [string, string][] {
  return [...new URLSearchParams(rawQuery).entries()];
}

export function parseRequest(req: IncomingMessage, rawBody: string): ParsedRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const queryPairs = parseQueryPairs(rawQuery);
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    rawQuery,
    query: Object.fromEntries(queryPairs),
    queryPairs,
    headers,
    rawBody,
    remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
  };
}

export type ParsedBody =
  | { kind: 'none' }
  | { kind: 'data'; data: unknown }
  | { kind: 'invalid-json'; message: string }
  | { kind: 'unsupported'; contentType: string };

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Text fields of a multipart/form-data body (file parts are kept as their text too). */
function parseMultipart(body: string, contentType: string): Record<string, string> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  const out: Record<string, string> = {};
  if (!boundary) return out;
  for (const part of body.split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep === -1) continue;
    const name = /name="([^"]*)"/i.exec(part.slice(0, sep))?.[1];
    if (name === undefined) continue;
    out[name] = part.slice(sep + 4).replace(/\r\n$/, '');
  }
  return out;
}

export function parseBody(req: ParsedRequest): ParsedBody {
  if (req.rawBody.length === 0) return { kind: 'none' };
  const contentType = req.headers['content-type'];
  const type = mediaType(contentType);
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return { kind: 'data', data: JSON.parse(req.rawBody) as unknown };
    } catch (err) {
      return { kind: 'invalid-json', message: (err as Error).message };
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { kind: 'data', data: Object.fromEntries(parseQueryPairs(req.rawBody)) };
  }
  if (type === 'multipart/form-data') {
    return { kind: 'data', data: parseMultipart(req.rawBody, contentType ?? '') };
  }
  return { kind: 'unsupported', contentType: contentType ?? '' };
}

/** What a RecordedRequest keeps of the body: parsed form or JSON, else the raw text. */
export function bodyForRecord(req: ParsedRequest): unknown {
  const parsed = parseBody(req);
  if (parsed.kind === 'none') return undefined;
  if (parsed.kind === 'data') return parsed.data;
  return req.rawBody;
}

/**
 * DRF `request.data` as a dict: raises the DRF 400/415 on a bad body. A JSON body that is
 * not an object makes `request.data.get` raise, which Django turns into an HTML 500.
 */
export function requestData(req: ParsedRequest): Record<string, unknown> {
  const parsed = parseBody(req);
  switch (parsed.kind) {
    case 'none':
      return {};
    case 'invalid-json':
      throw new ReplyError(jsonReply(400, { detail: `JSON parse error - ${parsed.message}` }));
    case 'unsupported':
      throw new ReplyError(jsonReply(415, { detail: `Unsupported media type "${parsed.contentType}" in request.` }));
    case 'data':
      if (parsed.data === null || typeof parsed.data !== 'object' || Array.isArray(parsed.data)) {
        throw new TypeError("'list' object has no attribute 'get'");
      }
      return parsed.data as Record<string, unknown>;
  }
}
