/**
 * The EvalAI sandbox: a stateful, EvalAI-compatible HTTP server on node:http, faithful to
 * /work/shared/evalai-api-contract.md (quirks included).
 *
 * Where each part of the contract lives:
 * - §1.1 routing, trailing slashes (301 / DEBUG 500 / HTML 404) ........ router.ts, routes/index.ts
 * - §1.2 authentication, staff/host, Lambda shared secret ............... auth.ts, access.ts, routes/lambda.ts
 * - §1.3 throttling (DRF SimpleRateThrottle) ............................ throttle.ts, drf.ts
 * - §1.4 bodies (JSON, form, multipart), 405, HTML 500 .................. request.ts, drf.ts, html.ts
 * - §1.5 datetimes ...................................................... datetime.ts
 * - §1.6 pagination and absolute next/previous ......................... pagination.ts
 * - §2.1 list, §2.2 by pk, Appendix A phases ............................ routes/challenges.ts
 * - §2.3 challenge object, §3.2 submission object ....................... serializers.ts
 * - §2.4/§2.5 metrics ................................................... routes/metrics.ts
 * - §2.6/§2.15 Lambda endpoints ......................................... routes/lambda.ts
 * - §2.7 manage_worker .................................................. routes/workers.ts
 * - §2.8/§2.9 EC2 ....................................................... routes/ec2.ts, ec2.ts
 * - §2.10/§2.13 evaluation cluster, EKS bearer token .................... routes/clusters.ts
 * - §2.11/§2.12 submissions, update_submission, Appendix A by id ........ routes/submissions.ts
 * - §2.14 update_challenge_attributes ................................... routes/attributes.ts
 * Test hooks: faults.ts (fault injection), state.ts (live state), seed.ts (default data).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runDrfView } from './drf.js';
import { FaultBook, largeBodyChunks, largeBodyLength, lostAnswer, wrapReply, type FaultRule, type LargeBodyFault, type TerminalFault } from './faults.js';
import { htmlErrorPage, serverErrorPage } from './html.js';
import { absoluteUri } from './pagination.js';
import { jsonReply, textReply, type Reply } from './reply.js';
import { bodyForRecord, parseRequest, type ParsedRequest } from './request.js';
import type { ServerConfig } from './route.js';
import { resolveRequest } from './router.js';
import { ROUTES } from './routes/index.js';
import { defaultSeed } from './seed.js';
import { stateFromSeed, type SandboxSeed, type SandboxState } from './state.js';
import { ThrottleHistories, throttledReply } from './throttle.js';
import { sandboxTokens, type SandboxTokens } from './tokens.js';

export interface SandboxOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default `defaultSeed(now())`. The seed is copied, never mutated. */
  seed?: SandboxSeed;
  /** Clock for end_date comparisons, timestamps, throttling and EC2 transitions. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * A DEBUG=True server: PUT/POST/PATCH to an unslashed path that would match with a slash
   * gets a 500 HTML RuntimeError, and manage_worker always answers Failure. Default false.
   */
  debug?: boolean;
  /** The shared per-user budget of the user-throttled endpoints. Default 60; false disables all throttling. */
  throttleRatePerMinute?: number | false;
  /** Default 150. */
  pageSize?: number;
  /** The server's LAMBDA_AUTH_TOKEN. Default 'sandbox-lambda-token'; null = unset (500). */
  lambdaToken?: string | null;
  /** How long pending/stopping last, and how long after running the status checks turn ok. Default 0. */
  ec2TransitionMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** The pathname. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** Parsed form or JSON, else the raw text; undefined without a body. */
  body: unknown;
  /** The status sent; 0 while unanswered or when the connection was reset or left hanging. */
  status: number;
  /** Set by an `after-view` fault: the status of the view's own reply (the view acted), which was not sent. */
  viewStatus?: number;
  at: Date;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:43123 (no trailing slash). */
  url: string;
  /** Live, mutable state that tests may read and edit. */
  state: SandboxState;
  /** Every request received, in order (faulted ones too). */
  requests: RecordedRequest[];
  tokens: SandboxTokens;
  fault(rule: FaultRule): void;
  clearFaults(): void;
  /** Stops listening and ends every connection, hung ones included. */
  close(): Promise<void>;
}

export type { FaultRule };

const MALFORMED_JSON = '{"count": 3, "next": null, "previous": null, "results": [{"id": 1, "title": "Trunc';

function terminalReply(fault: Exclude<TerminalFault, { kind: 'reset' | 'hang' | 'oversized' | 'gzip-bomb' | 'after-view' }>): Reply {
  switch (fault.kind) {
    case 'status': {
      const headers = fault.headers ?? {};
      if (fault.body === undefined) return { status: fault.status, headers, text: '', ...(fault.contentType ? { contentType: fault.contentType } : {}) };
      if (typeof fault.body === 'string') return textReply(fault.status, fault.body, fault.contentType ?? 'text/plain; charset=utf-8', headers);
      if (fault.contentType) return textReply(fault.status, JSON.stringify(fault.body), fault.contentType, headers);
      return jsonReply(fault.status, fault.body, headers);
    }
    case 'html':
      return htmlErrorPage(fault.status);
    case 'malformed-json':
      return textReply(200, MALFORMED_JSON, 'application/json');
    case 'throttle':
      return { ...throttledReply(fault.retryAfter), headers: { 'Retry-After': String(fault.retryAfter) } };
    case 'redirect':
      return { status: fault.status, headers: { Location: fault.location }, text: '', contentType: 'text/html; charset=utf-8' };
  }
}

function send(res: ServerResponse, reply: Reply, record: RecordedRequest): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = { ...reply.headers };
  let body = '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['Content-Type'] = 'application/json';
  } else if (reply.text !== undefined) {
    body = reply.text;
    if (reply.contentType) headers['Content-Type'] = reply.contentType;
  }
  headers['Content-Length'] = String(Buffer.byteLength(body));
  record.status = reply.status;
  res.writeHead(reply.status, headers);
  res.end(body);
}

/** Writes a large-body fault chunk by chunk, honouring backpressure; stops when the client hangs up. */
async function sendLargeBody(res: ServerResponse, fault: LargeBodyFault, record: RecordedRequest): Promise<void> {
  const status = fault.kind === 'oversized' ? (fault.status ?? 200) : 200;
  record.status = status;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    ...(fault.kind === 'gzip-bomb' ? { 'Content-Encoding': 'gzip', 'Content-Length': String(largeBodyLength(fault)) } : {}),
  });
  for (const chunk of largeBodyChunks(fault)) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.once('drain', done);
        res.once('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const now = opts.now ?? (() => new Date());
  const state = opts.seed ? stateFromSeed(opts.seed) : defaultSeed(now());
  const host = opts.host ?? '127.0.0.1';
  const lambdaToken = opts.lambdaToken === undefined ? 'sandbox-lambda-token' : opts.lambdaToken;
  const userRatePerMinute = opts.throttleRatePerMinute ?? 60;
  const faults = new FaultBook();
  const throttles = new ThrottleHistories();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const config: ServerConfig = {
    debug: opts.debug ?? false,
    pageSize: opts.pageSize ?? 150,
    lambdaToken,
    ec2TransitionMs: opts.ec2TransitionMs ?? 0,
    fallbackHost: host,
  };
  let closed = false;

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  function normalReply(req: ParsedRequest): Reply {
    const resolution = resolveRequest(ROUTES, req, config.debug, config.fallbackHost);
    if (resolution.kind === 'reply') return resolution.reply;
    const { route, params } = resolution.match;
    try {
      return runDrfView(route, req, params, { state, config, throttles, userRatePerMinute, now: now() });
    } catch {
      return serverErrorPage();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseRequest(req, await readBody(req));
    const record: RecordedRequest = {
      method: parsed.method,
      path: parsed.path,
      query: parsed.query,
      headers: parsed.headers,
      body: bodyForRecord(parsed),
      status: 0,
      at: now(),
    };
    requests.push(record);
    const plan = faults.plan(parsed.method, parsed.path);
    if (plan.latencyMs > 0) await delay(plan.latencyMs);
    if (plan.gates.length) await Promise.all(plan.gates);
    if (closed) return;
    const terminal = plan.terminal;
    if (terminal?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (terminal?.kind === 'hang') return; // close() ends the connection.
    if (terminal?.kind === 'oversized' || terminal?.kind === 'gzip-bomb') {
      await sendLargeBody(res, terminal, record);
      return;
    }
    if (terminal?.kind === 'after-view') {
      const viewReply = wrapReply(normalReply(parsed), plan.wrappers, absoluteUri(parsed, config.fallbackHost));
      record.viewStatus = viewReply.status;
      const lost = lostAnswer(terminal, viewReply);
      if (lost === 'reset') req.socket.destroy();
      else if (lost !== 'hang') send(res, lost, record);
      return;
    }
    if (terminal) {
      send(res, terminalReply(terminal), record);
      return;
    }
    const reply = wrapReply(normalReply(parsed), plan.wrappers, absoluteUri(parsed, config.fallbackHost));
    send(res, reply, record);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(serverErrorPage().text);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  config.fallbackHost = `${urlHost}:${address.port}`;

  return {
    url: `http://${urlHost}:${address.port}`,
    state,
    requests,
    tokens: sandboxTokens(state, lambdaToken),
    fault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (closed) {
          resolve();
          return;
        }
        closed = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
