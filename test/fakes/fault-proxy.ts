import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { LocalHttpServer } from './local-server.js';

/**
 * An HTTP proxy on 127.0.0.1 in front of a fake (./ec2-http.ts, or any HTTP fake) that injects
 * one fault per request, chosen by a plan from the request's action: deterministic, no timer
 * races. Point the client under test at `proxy.url` instead of the fake's.
 *
 * The action is the form field `Action` (EC2, SQS Query), else the `X-Amz-Target` header's
 * operation (JSON protocols), else `METHOD /path`. `n` counts the requests of that action (1-based).
 *
 * Faults (build them with `faults.*`):
 * - drop before: the connection closes with no answer and the upstream never sees the request;
 * - drop after: the upstream acts, then the connection closes with no answer (a lost answer);
 * - answer: the upstream acts (or not: `acted: false`), then this status and body are sent instead
 *   of its answer (200 with an empty body, `<html>`, `<Response/>`, a 500/503 error document...);
 * - truncate: the upstream acts; its answer's body is cut to `keep` characters (default: half);
 * - hold: the request waits for a gate (a promise the test resolves) before it is forwarded, or,
 *   with `after: true`, after the upstream acted and before the answer is sent;
 * - delay: as hold, after `ms` of real time (only to make a client's own timeout fire; never assert
 *   on timing with it);
 * - twice: the request is forwarded twice (the upstream acts twice, as for a duplicated request);
 *   the client gets the second answer.
 */

export type Fault =
  | { kind: 'drop'; after: boolean }
  | { kind: 'answer'; status: number; body: string; contentType?: string; acted: boolean }
  | { kind: 'truncate'; keep?: number }
  | { kind: 'hold'; gate: Promise<void>; after?: boolean }
  | { kind: 'delay'; ms: number }
  | { kind: 'twice' };

export interface ProxiedRequest {
  /** 1-based, over every request through the proxy. */
  seq: number;
  /** The request's action (see above). */
  action: string;
  /** 1-based count of requests of this action. */
  n: number;
  method: string;
  path: string;
  body: string;
  /** The form fields, when the body is form-encoded (else empty). */
  params: URLSearchParams;
}

/** Chooses the fault for a request; undefined forwards it untouched. */
export type FaultPlan = (req: ProxiedRequest) => Fault | undefined;

const XML = 'text/xml;charset=UTF-8';

/** The faults the issue names, ready made. */
export const faults = {
  dropBefore: (): Fault => ({ kind: 'drop', after: false }),
  dropAfter: (): Fault => ({ kind: 'drop', after: true }),
  /** A 200 whose body is empty, after the upstream acted. */
  empty: (acted = true): Fault => ({ kind: 'answer', status: 200, body: '', contentType: XML, acted }),
  /** A 200 with an HTML page (a captive portal, a load balancer's page), after the upstream acted. */
  html: (acted = true): Fault => ({ kind: 'answer', status: 200, body: '<html><head><title>Gateway</title></head><body><h1>Service temporarily unavailable</h1></body></html>', contentType: 'text/html', acted }),
  /** A 200 with an empty `<Response/>` document, after the upstream acted. */
  emptyResponse: (acted = true): Fault => ({ kind: 'answer', status: 200, body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response/>', contentType: XML, acted }),
  /** A 200 with the upstream's own body cut short. */
  truncated: (keep?: number): Fault => ({ kind: 'truncate', ...(keep !== undefined ? { keep } : {}) }),
  /** A 200 with this body, after the upstream acted (or not). */
  body: (body: string, acted = true, status = 200): Fault => ({ kind: 'answer', status, body, contentType: XML, acted }),
  /** An AWS error document (EC2's shape) with this status; the upstream does not act unless told. */
  error: (status: 500 | 503 | number, code = status === 503 ? 'Unavailable' : 'InternalError', acted = false): Fault => ({
    kind: 'answer',
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${code} (fault proxy)</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`,
    contentType: XML,
    acted,
  }),
  hold: (gate: Promise<void>, after = false): Fault => ({ kind: 'hold', gate, after }),
  delay: (ms: number): Fault => ({ kind: 'delay', ms }),
  twice: (): Fault => ({ kind: 'twice' }),
};

/**
 * A plan from a schedule: `{ DescribeInstances: [faults.html()], RunInstances: [undefined, faults.dropAfter()] }`
 * gives the first DescribeInstances an HTML body and loses the answer of the second RunInstances;
 * requests beyond a list (or of an action not named) pass untouched. `'*'` applies to every action
 * not named.
 */
export function schedule(byAction: Record<string, ReadonlyArray<Fault | undefined>>): FaultPlan {
  return (req) => (byAction[req.action] ?? byAction['*'])?.[req.n - 1];
}

/** A gate for `faults.hold`: `open()` lets the held request go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

interface Upstream {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export class FaultProxy {
  /** The plan: replace it between steps of a test. */
  plan: FaultPlan;
  /** Every request through the proxy with the fault it got (undefined: none), in order. */
  readonly log: Array<{ req: ProxiedRequest; fault: Fault | undefined }> = [];
  private readonly http = new LocalHttpServer('FaultProxy');
  private readonly counts = new Map<string, number>();
  private seq = 0;

  constructor(
    readonly upstream: string,
    plan: FaultPlan = () => undefined,
  ) {
    this.plan = plan;
  }

  start(): Promise<string> {
    return this.http.start((req, res) => this.handle(req, res));
  }

  get url(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** The faults given so far to requests of this action. */
  faultsOf(action: string): Array<Fault | undefined> {
    return this.log.filter((l) => l.req.action === action).map((l) => l.fault);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.serve(req, body, res).catch(() => res.socket?.destroy());
    });
  }

  private async serve(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const text = body.toString('utf8');
    const form = String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
    const params = form ? new URLSearchParams(text) : new URLSearchParams();
    const target = req.headers['x-amz-target'];
    const action = params.get('Action') ?? (typeof target === 'string' ? target.split('.').pop()! : `${req.method} ${req.url}`);
    const n = (this.counts.get(action) ?? 0) + 1;
    this.counts.set(action, n);
    this.seq += 1;
    const proxied: ProxiedRequest = { seq: this.seq, action, n, method: req.method ?? 'GET', path: req.url ?? '/', body: text, params };
    const fault = this.plan(proxied);
    this.log.push({ req: proxied, fault });

    const forward = (): Promise<Upstream> => this.forward(req, body);
    const send = (u: Upstream, bodyOverride?: Buffer): void => {
      const out = bodyOverride ?? u.body;
      const headers = { ...u.headers, 'content-length': String(out.length) };
      delete headers['transfer-encoding'];
      delete headers.connection;
      res.writeHead(u.status, headers);
      res.end(out);
    };

    if (!fault) return send(await forward());
    switch (fault.kind) {
      case 'drop':
        if (fault.after) await forward();
        res.socket?.destroy();
        return;
      case 'answer': {
        if (fault.acted) await forward();
        const out = Buffer.from(fault.body, 'utf8');
        res.writeHead(fault.status, { 'content-type': fault.contentType ?? XML, 'content-length': String(out.length) });
        res.end(out);
        return;
      }
      case 'truncate': {
        const u = await forward();
        const keep = fault.keep ?? Math.floor(u.body.length / 2);
        return send(u, u.body.subarray(0, keep));
      }
      case 'hold': {
        if (!fault.after) {
          await fault.gate;
          return send(await forward());
        }
        const u = await forward();
        await fault.gate;
        return send(u);
      }
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return send(await forward());
      case 'twice':
        await forward();
        return send(await forward());
    }
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<Upstream> {
    const target = new URL(req.url ?? '/', this.upstream);
    const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    return new Promise((resolve, reject) => {
      const up = httpRequest(target, { method: req.method, headers }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (d: Buffer) => chunks.push(d));
        r.on('end', () => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(chunks) }));
        r.on('error', reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  }
}

/** Starts a proxy in front of `upstream`. */
export async function startFaultProxy(upstream: string, plan?: FaultPlan): Promise<FaultProxy> {
  const proxy = new FaultProxy(upstream, plan);
  await proxy.start();
  return proxy;
}
