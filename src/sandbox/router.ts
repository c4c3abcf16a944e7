/**
 * URL resolution with Django's CommonMiddleware APPEND_SLASH behaviour (contract §1.1):
 * an exact match runs the view; an unslashed path that would match with a slash gets a
 * 301 to the slashed path (query kept), or under DEBUG a RuntimeError 500 for
 * POST/PUT/PATCH; anything else is the HTML 404 page.
 */
import { appendSlashRuntimeErrorPage, notFoundPage } from './html.js';
import type { Reply } from './reply.js';
import type { ParsedRequest } from './request.js';
import type { RouteDef } from './route.js';

export interface RouteMatch {
  route: RouteDef;
  params: Record<string, string>;
}

export function resolve(routes: RouteDef[], path: string): RouteMatch | null {
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: { ...m.groups } };
  }
  return null;
}

export type Resolution = { kind: 'view'; match: RouteMatch } | { kind: 'reply'; reply: Reply };

export function resolveRequest(routes: RouteDef[], req: ParsedRequest, debug: boolean, fallbackHost: string): Resolution {
  const match = resolve(routes, req.path);
  if (match) return { kind: 'view', match };
  if (!req.path.endsWith('/') && resolve(routes, `${req.path}/`)) {
    if (debug && ['POST', 'PUT', 'PATCH'].includes(req.method)) {
      return { kind: 'reply', reply: appendSlashRuntimeErrorPage(req.method, req.headers.host ?? fallbackHost, req.path) };
    }
    const location = `${req.path}/${req.rawQuery ? `?${req.rawQuery}` : ''}`;
    return {
      kind: 'reply',
      reply: { status: 301, headers: { Location: location }, text: '', contentType: 'text/html; charset=utf-8' },
    };
  }
  return { kind: 'reply', reply: notFoundPage(req.path) };
}
