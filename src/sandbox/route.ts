/** What a route is and what its view receives. */
import type { Reply } from './reply.js';
import type { ParsedRequest } from './request.js';
import type { SandboxState, SandboxUser } from './state.js';

/**
 * - `public`: default DRF auth, `IsAuthenticatedOrReadOnly` (anonymous GET allowed; a bad token is still a 401).
 * - `user`: `IsAuthenticated` + `HasVerifiedEmail`.
 * - `lambda`: no DRF authentication; the view checks LAMBDA_AUTH_TOKEN itself.
 */
export type AuthPolicy = 'public' | 'user' | 'lambda';

/** `anon`: AnonRateThrottle (anonymous callers only); `user`: UserRateThrottle (per user, else per IP). */
export type ThrottlePolicy = 'anon' | 'user' | 'none';

export interface ServerConfig {
  debug: boolean;
  pageSize: number;
  lambdaToken: string | null;
  ec2TransitionMs: number;
  /** `host:port` of the listening socket, for requests without a Host header. */
  fallbackHost: string;
}

export interface ViewContext {
  req: ParsedRequest;
  params: Record<string, string>;
  /** The method the view runs as (HEAD runs as GET). */
  method: string;
  user: SandboxUser | null;
  state: SandboxState;
  now: Date;
  config: ServerConfig;
  /** DRF `request.data` (parsed lazily; a bad body raises the DRF 400/415). */
  data(): Record<string, unknown>;
}

export interface RouteDef {
  /** The Django view function's name. */
  name: string;
  /** Anchored regex over the whole pathname, with named groups for the URL kwargs. */
  pattern: RegExp;
  /** Methods of the `@api_view([...])` decorator. */
  methods: string[];
  auth: AuthPolicy;
  throttle: ThrottlePolicy;
  view(ctx: ViewContext): Reply;
}
