/**
 * Fault injection: rules matched on method and pathname, each with its own `skip` and
 * `times` counters. Terminal faults replace the response; latency, transform and the
 * `*-next` faults wrap the normal response.
 */
import { gzipSync } from 'node:zlib';
import { htmlErrorPage } from './html.js';
import { jsonReply, textReply, type Reply } from './reply.js';

export type Fault =
  | { kind: 'latency'; ms: number }
  /** Holds the request until `open` settles, then answers it normally (tests that need a call in flight). */
  | { kind: 'gate'; open: Promise<void> }
  | { kind: 'status'; status: number; body?: string | object; contentType?: string; headers?: Record<string, string> }
  | { kind: 'html'; status: number }
  | { kind: 'malformed-json' }
  | { kind: 'throttle'; retryAfter: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  /**
   * The view runs (and changes the state), then its answer is lost or spoilt: the connection reset,
   * no answer ever (past any client timeout), a 5xx JSON, an HTML page (200 unless `status`), or the
   * view's own JSON cut short. What a client sees after a write that did happen.
   */
  | { kind: 'after-view'; answer: LostAnswer; status?: number }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'transform'; fn: (body: unknown) => unknown }
  | { kind: 'foreign-next'; origin: string }
  | { kind: 'looping-next' }
  /** A 200 JSON body (`{` + spaces + `}`) of `bytes` bytes, streamed: larger than any sane answer. */
  | { kind: 'oversized'; bytes: number; status?: number }
  /** A 200 gzip body (Content-Encoding: gzip) a thousand times smaller than the `inflatedBytes` it unpacks to. */
  | { kind: 'gzip-bomb'; inflatedBytes: number };

export type LostAnswer = 'reset' | 'hang' | 'server-error' | 'html' | 'truncated';

export interface FaultRule {
  method?: string;
  /** Matched against the pathname; a string must be equal. */
  path?: string | RegExp;
  /** How many matching requests to fault; default Infinity. */
  times?: number;
  /** Let the first N matching requests through. */
  skip?: number;
  fault: Fault;
}

export type TerminalFault = Extract<Fault, { kind: 'status' | 'html' | 'malformed-json' | 'throttle' | 'reset' | 'hang' | 'redirect' | 'oversized' | 'gzip-bomb' | 'after-view' }>;
/** The terminal faults whose body is written in chunks rather than built as one string. */
export type LargeBodyFault = Extract<Fault, { kind: 'oversized' | 'gzip-bomb' }>;
export type WrappingFault = Extract<Fault, { kind: 'transform' | 'foreign-next' | 'looping-next' }>;

export interface FaultPlan {
  latencyMs: number;
  gates: Promise<void>[];
  terminal: TerminalFault | null;
  wrappers: WrappingFault[];
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  applied: number;
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return rule.path === path;
  rule.path.lastIndex = 0;
  return rule.path.test(path);
}

export class FaultBook {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0, applied: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** Counts this request against every matching rule and returns the faults to apply. */
  plan(method: string, path: string): FaultPlan {
    const plan: FaultPlan = { latencyMs: 0, gates: [], terminal: null, wrappers: [] };
    for (const active of this.rules) {
      if (!matches(active.rule, method, path)) continue;
      active.seen += 1;
      if (active.seen <= (active.rule.skip ?? 0)) continue;
      if (active.applied >= (active.rule.times ?? Infinity)) continue;
      const fault = active.rule.fault;
      if (fault.kind === 'gate') {
        active.applied += 1;
        plan.gates.push(fault.open);
        continue;
      }
      if (fault.kind !== 'latency' && fault.kind !== 'transform' && fault.kind !== 'foreign-next' && fault.kind !== 'looping-next') {
        if (plan.terminal) continue; // The first terminal fault wins; later ones keep their budget.
        plan.terminal = fault;
      } else if (fault.kind === 'latency') {
        plan.latencyMs += fault.ms;
      } else {
        plan.wrappers.push(fault);
      }
      active.applied += 1;
    }
    return plan;
  }
}

function replaceOrigin(url: string, origin: string): string {
  const parsed = new URL(url);
  return `${origin.replace(/\/+$/, '')}${parsed.pathname}${parsed.search}`;
}

/** Applies transform / foreign-next / looping-next to a JSON reply. */
export function wrapReply(reply: Reply, wrappers: WrappingFault[], requestUri: string): Reply {
  if (reply.json === undefined || wrappers.length === 0) return reply;
  let json: unknown = reply.json;
  for (const w of wrappers) {
    if (w.kind === 'transform') {
      json = w.fn(json);
      continue;
    }
    if (json === null || typeof json !== 'object' || !('next' in json)) continue;
    const env = json as { next: unknown };
    if (w.kind === 'looping-next') json = { ...env, next: requestUri };
    else if (typeof env.next === 'string') json = { ...env, next: replaceOrigin(env.next, w.origin) };
  }
  return { ...reply, json };
}

const MiB = 1024 * 1024;

/**
 * The chunks of a large-body fault, produced lazily so the sandbox never holds the whole body. A
 * gzip bomb is a run of gzip members (each 1 MiB of spaces compresses to about 1 KiB); gunzip
 * decodes concatenated members as one stream, so it inflates to exactly `inflatedBytes` of JSON.
 */
export function* largeBodyChunks(fault: LargeBodyFault): Generator<Buffer> {
  const total = Math.max(2, fault.kind === 'oversized' ? fault.bytes : fault.inflatedBytes);
  const pieces = [Buffer.from('{')];
  let middle = total - 2;
  const spaces = Buffer.alloc(MiB, 0x20);
  const gzippedSpaces = fault.kind === 'gzip-bomb' ? gzipSync(spaces) : undefined;
  const encode = (b: Buffer) => (fault.kind === 'gzip-bomb' ? (b === spaces ? gzippedSpaces! : gzipSync(b)) : b);
  yield encode(pieces[0]!);
  while (middle > 0) {
    const n = Math.min(middle, MiB);
    yield encode(n === MiB ? spaces : spaces.subarray(0, n));
    middle -= n;
  }
  yield encode(Buffer.from('}'));
}

/** The byte length of largeBodyChunks(fault), for Content-Length. */
export function largeBodyLength(fault: LargeBodyFault): number {
  let n = 0;
  for (const chunk of largeBodyChunks(fault)) n += chunk.length;
  return n;
}

/**
 * What an `after-view` fault sends instead of the view's reply (already computed, so the view
 * acted): a reply, or `reset` / `hang` for the socket.
 */
export function lostAnswer(fault: Extract<Fault, { kind: 'after-view' }>, viewReply: Reply): Reply | 'reset' | 'hang' {
  switch (fault.answer) {
    case 'reset':
    case 'hang':
      return fault.answer;
    case 'server-error':
      return jsonReply(fault.status ?? 500, { detail: 'upstream connect error or disconnect/reset before headers' });
    case 'html':
      return htmlErrorPage(fault.status ?? 200);
    case 'truncated': {
      const text = viewReply.json !== undefined ? JSON.stringify(viewReply.json) : (viewReply.text ?? '');
      return textReply(viewReply.status, text.slice(0, Math.floor(text.length / 2)), 'application/json', viewReply.headers);
    }
  }
}
