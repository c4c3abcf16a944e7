/**
 * DRF's `APIView.initial()` then dispatch, in DRF order (contract §1.2–§1.4):
 * authenticate → permissions → throttle → method (405) → view, with `Allow` and `Vary` headers.
 */
import { authenticate, notAuthenticated, verifiedEmailDenied } from './auth.js';
import { jsonReply, ReplyError, ServerCrash, type Reply } from './reply.js';
import { requestData, type ParsedRequest } from './request.js';
import type { RouteDef, ServerConfig, ViewContext } from './route.js';
import type { SandboxState, SandboxUser } from './state.js';
import { throttledReply, type ThrottleHistories } from './throttle.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ANON_RATE_PER_MINUTE = 100;

export interface DrfDeps {
  state: SandboxState;
  config: ServerConfig;
  throttles: ThrottleHistories;
  userRatePerMinute: number | false;
  now: Date;
}

/** DRF `SimpleRateThrottle.get_ident`: the whole X-Forwarded-For (spaces removed) or the peer address. */
function clientIdent(req: ParsedRequest): string {
  const xff = req.headers['x-forwarded-for'];
  return xff ? xff.replace(/\s+/g, '') : req.remoteAddress;
}

function checkPermissions(route: RouteDef, method: string, user: SandboxUser | null): void {
  if (route.auth === 'lambda') return;
  if (route.auth === 'public') {
    if (!SAFE_METHODS.has(method) && !user) throw notAuthenticated();
    return;
  }
  if (!user) throw notAuthenticated();
  if (!user.emailVerified) throw verifiedEmailDenied();
}

function checkThrottle(route: RouteDef, req: ParsedRequest, user: SandboxUser | null, deps: DrfDeps): void {
  if (route.throttle === 'none' || deps.userRatePerMinute === false) return;
  let key: string;
  let rate: number;
  if (route.throttle === 'anon') {
    if (user) return;
    key = `throttle_anon_${clientIdent(req)}`;
    rate = ANON_RATE_PER_MINUTE;
  } else {
    key = `throttle_user_${user ? user.id : clientIdent(req)}`;
    rate = deps.userRatePerMinute;
  }
  const wait = deps.throttles.hit(key, rate, 60, deps.now.getTime() / 1000);
  if (wait !== null) throw new ReplyError(throttledReply(wait));
}

function allowHeader(route: RouteDef): string {
  return [...route.methods, 'OPTIONS'].join(', ');
}

function optionsMetadata(route: RouteDef): Reply {
  return jsonReply(200, {
    name: route.name
      .split('_')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(' '),
    description: '',
    renders: ['application/json'],
    parses: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'],
  });
}

function dispatch(route: RouteDef, req: ParsedRequest, params: Record<string, string>, deps: DrfDeps): Reply {
  const user = route.auth === 'lambda' ? null : authenticate(req.headers.authorization, deps.state);
  checkPermissions(route, req.method, user);
  checkThrottle(route, req, user, deps);
  if (req.method === 'OPTIONS') return optionsMetadata(route);
  const method = req.method === 'HEAD' && route.methods.includes('GET') ? 'GET' : req.method;
  if (!route.methods.includes(method)) {
    throw new ReplyError(jsonReply(405, { detail: `Method "${req.method}" not allowed.` }));
  }
  const ctx: ViewContext = {
    req,
    params,
    method,
    user,
    state: deps.state,
    now: deps.now,
    config: deps.config,
    data: () => requestData(req),
  };
  return route.view(ctx);
}

/** Runs a DRF view; ReplyErrors become their reply, anything else propagates (→ HTML 500). */
export function runDrfView(route: RouteDef, req: ParsedRequest, params: Record<string, string>, deps: DrfDeps): Reply {
  let reply: Reply;
  try {
    reply = dispatch(route, req, params, deps);
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err instanceof ServerCrash ? err : new ServerCrash(String(err));
    reply = err.reply;
  }
  return { ...reply, headers: { Allow: allowHeader(route), Vary: 'Accept', ...reply.headers } };
}
