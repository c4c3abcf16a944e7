import type { EC2Client } from '@aws-sdk/client-ec2';
import { AwsError, toAwsError } from './errors.js';

/**
 * A 2xx answer from EC2 is read only when it is the document EC2 documents for the call:
 * `<{Action}Response xmlns="http://ec2.amazonaws.com/doc/...">…</{Action}Response>`.
 *
 * Why: the SDK does not fail on a 200 it cannot read. An empty body, an HTML page (a proxy's or a
 * load balancer's) or an empty `<Response/>` comes back from `client.send` as an output with no
 * fields at all: DescribeInstances "lists" no reservation, RunInstances "launches" no instance,
 * CreateTags and TerminateInstances "succeed" (test/fakes/ec2-http.test.ts records this against
 * the real SDK). For a pool that is an empty pool, launched on top of. So every pool call goes
 * through `sendEc2`, which looks at the raw answer before the SDK parses it, and turns one that is
 * not the call's document into an AwsError of kind `unreadable` (outcome `unknown`: the call may
 * have acted) naming the call, the endpoint, the region and what came back, on one line.
 */

/** The endpoint and HTTP status of the last attempt of one call, as seen on the wire. */
interface Seen {
  endpoint?: string;
  status?: number;
}

class UnreadableAnswer extends Error {
  constructor(readonly what: string) {
    super(what);
  }
}

/** What a consequence clause says for each action, after "unreadable". */
const CONSEQUENCE: Record<string, string> = {
  DescribeInstances: 'could not list the instances (not an empty pool)',
  RunInstances: 'unknown outcome: instances may have been launched',
  CreateFleet: 'unknown outcome: instances may have been launched',
  CreateLaunchTemplate: 'unknown outcome: the launch template may have been created',
  CreateTags: 'unknown outcome: the tags may have been written',
  TerminateInstances: 'unknown outcome: the instances may be terminating',
};

interface Middlewared {
  middlewareStack: { add: (...args: never[]) => void };
}

/**
 * Sends `command` (an EC2 command of `action`) and returns its output, or throws an AwsError:
 * `unreadable` when the 2xx answer is not `<{action}Response>…</{action}Response>` or lacks
 * `required(output)` (the element the call always answers, e.g. reservationSet), else what
 * toAwsError makes of the SDK's error. `operation` and `subject` as for toAwsError.
 */
export async function sendEc2<C extends Middlewared, O>(
  client: EC2Client,
  command: C,
  action: string,
  send: (command: C) => Promise<O>,
  opts: { subject?: string; required?: (out: O) => string | null },
): Promise<O> {
  const seen: Seen = {};
  const operation = `EC2 ${action}`;
  const add = command.middlewareStack.add as unknown as (mw: unknown, options: { step: string; name: string; priority: string }) => void;
  // In the deserialize step with a low priority: inside the SDK's deserializer, so this sees the
  // raw answer first (once per attempt), and hands it on as bytes the deserializer reads as usual.
  add.call(
    command.middlewareStack,
    (next: (args: unknown) => Promise<{ response: { statusCode?: number; body?: unknown } }>) => async (args: { request?: { protocol?: string; hostname?: string; port?: number } }) => {
      const req = args.request;
      if (req?.hostname) seen.endpoint = `${req.protocol ?? 'https:'}//${req.hostname}${req.port ? `:${req.port}` : ''}`;
      const result = await next(args);
      const res = result.response;
      seen.status = res.statusCode;
      if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
        const bytes = await collect(res.body);
        res.body = bytes;
        const problem = unreadableBecause(bytes.toString('utf8'), action);
        if (problem) throw new UnreadableAnswer(problem);
      }
      return result;
    },
    { step: 'deserialize', name: `evalaiAutoscalerCheck${action}Answer`, priority: 'low' },
  );
  let out: O;
  try {
    out = await send(command);
  } catch (err) {
    if (err instanceof UnreadableAnswer) throw await unreadable(client, operation, action, opts.subject, seen, err.what);
    const e = toAwsError(err, operation, opts.subject);
    if (e.kind === 'unreadable') throw await unreadable(client, operation, action, opts.subject, seen, 'XML the SDK could not parse');
    throw e;
  }
  const missing = opts.required?.(out);
  if (missing) throw await unreadable(client, operation, action, opts.subject, seen, `an ${action}Response without ${missing}`);
  return out;
}

/** Why a 2xx body is not `<{action}Response>…</{action}Response>`, or null when it is. */
export function unreadableBecause(body: string, action: string): string | null {
  const root = `${action}Response`;
  const text = body.replace(/^\uFEFF/, '').trim();
  if (text === '') return 'an empty body';
  const rest = text.replace(/^<\?xml[^>]*\?>\s*/, '').replace(/^(<!--[\s\S]*?-->\s*)+/, '');
  const excerpt = quote(rest);
  if (/^<!doctype html|^<html[\s>]/i.test(rest)) return `an HTML page (${excerpt})`;
  if (!rest.startsWith('<')) return `a body that is not XML (${excerpt})`;
  const name = /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1];
  if (name !== root) return `a <${name ?? '?'}> document, not <${root}> (${excerpt})`;
  if (!new RegExp(`</${root}>$`).test(rest)) return `truncated XML: <${root}> is not closed (${text.length} characters)`;
  return null;
}

async function unreadable(client: EC2Client, operation: string, action: string, subject: string | undefined, seen: Seen, what: string): Promise<AwsError> {
  let region = 'region unknown';
  try {
    region = `region ${await client.config.region()}`;
  } catch {
    // The message names the endpoint anyway.
  }
  const from = `${seen.endpoint ?? 'the EC2 endpoint'} (${region})`;
  const status = seen.status !== undefined ? `HTTP ${seen.status}` : 'an answer';
  return new AwsError('unreadable', operation, undefined, `${subject ? `${subject}: ` : ''}${status} from ${from} with ${what}: ${CONSEQUENCE[action] ?? 'unknown outcome'}`);
}

function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ');
  return `'${line.length > 60 ? `${line.slice(0, 60)}…` : line}'`;
}

async function collect(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
