/**
 * DRF PageNumberPagination as `paginated_queryset` uses it (contract §1.6): `page` (1-based
 * or `last`), a fixed page size, 404 `Invalid page.`, and absolute `next`/`previous` built
 * from the request's Host header and X-Forwarded-Proto.
 */
import { notFoundDetail } from './reply.js';
import type { ParsedRequest } from './request.js';

export interface Page<T> {
  count: number;
  number: number;
  numPages: number;
  items: T[];
}

/** Python `int()` of a query value: surrounding spaces, a sign and `_` separators allowed. */
function pythonInt(value: string): number | null {
  const text = value.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(text)) return null;
  return Number(text.replace(/_/g, ''));
}

export function paginate<T>(items: T[], pageSize: number, pageParam: string | undefined): Page<T> {
  const numPages = Math.max(1, Math.ceil(items.length / pageSize));
  let number: number | null;
  if (pageParam === undefined) number = 1;
  else if (pageParam === 'last') number = numPages;
  else number = pythonInt(pageParam);
  if (number === null || number < 1 || number > numPages) throw notFoundDetail('Invalid page.');
  return { count: items.length, number, numPages, items: items.slice((number - 1) * pageSize, number * pageSize) };
}

/** Django `request.build_absolute_uri()`. */
export function absoluteUri(req: ParsedRequest, fallbackHost: string): string {
  const scheme = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  const host = req.headers.host ?? fallbackHost;
  return `${scheme}://${host}${req.path}${req.rawQuery ? `?${req.rawQuery}` : ''}`;
}

/** Python `urllib.parse.quote_plus`. */
function quotePlus(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** DRF `replace_query_param` / `remove_query_param`: keys sorted, values quote_plus-encoded. */
function withPageParam(url: string, page: number | null): string {
  const q = url.indexOf('?');
  const base = q === -1 ? url : url.slice(0, q);
  const params = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(q === -1 ? '' : url.slice(q + 1))) {
    params.set(k, [...(params.get(k) ?? []), v]);
  }
  if (page === null) params.delete('page');
  else params.set('page', [String(page)]);
  const query = [...params.keys()]
    .sort()
    .flatMap((k) => params.get(k)!.map((v) => `${quotePlus(k)}=${quotePlus(v)}`))
    .join('&');
  return query ? `${base}?${query}` : base;
}

export interface Envelope<R> {
  count: number;
  next: string | null;
  previous: string | null;
  results: R[];
}

export function envelope<T, R>(page: Page<T>, results: R[], requestUri: string): Envelope<R> {
  return {
    count: page.count,
    next: page.number < page.numPages ? withPageParam(requestUri, page.number + 1) : null,
    previous: page.number > 1 ? withPageParam(requestUri, page.number - 1 === 1 ? null : page.number - 1) : null,
    results,
  };
}
