/**
 * The EvalAI side of a schedule: a small seed (a dozen or two challenges over several pages), a
 * fresh sandbox per schedule, the sandbox fault rules built from the schedule's plain data, and
 * the replay of those rules over the request log, which says for every request which fault it got.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultBook, type Fault, type FaultPlan, type FaultRule } from '../../../src/sandbox/faults.js';
import { serializeChallenge } from '../../../src/sandbox/serializers.js';
import {
  defaultSeed,
  PENDING_STATUSES,
  startSandbox,
  stateFromSeed,
  type RecordedRequest,
  type Sandbox,
  type SandboxState,
} from '../../../src/sandbox/index.js';
import type { Endpoint, FaultSpec, HttpFault, TransformOp } from './schedule.js';

export const PAGE_SIZE = 5;
export const LIST_PATH = '/api/challenges/challenge/all/all/all';

/** A TCP port that records every connection and closes it: nothing may ever connect to it. */
export interface Trap {
  url: string;
  connections: number;
  close(): Promise<void>;
}

export async function startTrap(): Promise<Trap> {
  const sockets = new Set<Socket>();
  const trap: Trap = { url: '', connections: 0, close: async () => undefined };
  const server: Server = createServer((socket) => {
    trap.connections++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  trap.url = `http://127.0.0.1:${port}`;
  trap.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return trap;
}

/** What every schedule of a property shares: the foreign EvalAI, the trap, a state directory. */
export interface Infra {
  foreign: Sandbox;
  trap: Trap;
  dir: string;
  close(): Promise<void>;
}

export async function startInfra(): Promise<Infra> {
  const foreign = await startSandbox({ pageSize: PAGE_SIZE, throttleRatePerMinute: false });
  const trap = await startTrap();
  // Status files, locks and cancel-stale's audit log (flushed to disk per line): on tmpfs when there is one.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'evalai-properties-'));
  return {
    foreign,
    trap,
    dir,
    close: async () => {
      await foreign.close();
      await trap.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The default seed cut down to `ids` (with their phases, submissions and instances). */
export function smallSeed(now: Date, ids: readonly number[]): SandboxState {
  const full = defaultSeed(now);
  const keep = new Set(ids);
  const phases = new Map([...full.phases].filter(([, p]) => keep.has(p.challenge)));
  const challenges = new Map([...full.challenges].filter(([id]) => keep.has(id)));
  const instanceIds = new Set([...challenges.values()].map((c) => c.ec2_instance_id).filter((x): x is string => Boolean(x)));
  return {
    ...full,
    challenges,
    phases,
    submissions: new Map([...full.submissions].filter(([, s]) => phases.has(s.challenge_phase))),
    ec2Instances: new Map([...full.ec2Instances].filter(([id]) => instanceIds.has(id))),
    files: new Map(),
  };
}

/** Facts about the state before the run, against which the run is judged. */
export interface Truth {
  /** Pending submissions (running + submitted + queued + resuming) per challenge. */
  pending: Map<number, number>;
  /** Listed (non-disabled) challenges, in list order: id descending. */
  listed: number[];
  /** The challenge each submission belongs to, and its status before the run. */
  submissions: Map<number, { challenge: number; status: string; reference: Date }>;
  /** The challenge that owns each EC2 instance id. */
  instanceOwner: Map<string, number>;
  /** The challenge of each EKS cluster name. */
  clusterOwner: Map<string, number>;
}

export function truthOf(state: SandboxState): Truth {
  const phaseChallenge = new Map([...state.phases.values()].map((p) => [p.id, p.challenge]));
  const pending = new Map<number, number>([...state.challenges.keys()].map((id) => [id, 0]));
  const submissions = new Map<number, { challenge: number; status: string; reference: Date }>();
  for (const s of state.submissions.values()) {
    const challenge = phaseChallenge.get(s.challenge_phase);
    if (challenge === undefined) continue;
    submissions.set(s.id, { challenge, status: s.status, reference: s.rerun_resumed_at ?? s.submitted_at });
    if ((PENDING_STATUSES as readonly string[]).includes(s.status)) pending.set(challenge, (pending.get(challenge) ?? 0) + 1);
  }
  const listed = [...state.challenges.values()].filter((c) => !c.is_disabled).map((c) => c.id).sort((a, b) => b - a);
  const instanceOwner = new Map<string, number>();
  const clusterOwner = new Map<string, number>();
  for (const c of state.challenges.values()) {
    if (c.ec2_instance_id) instanceOwner.set(c.ec2_instance_id, c.id);
    if (c.cluster) clusterOwner.set(c.cluster.name, c.id);
  }
  return { pending, listed, submissions, instanceOwner, clusterOwner };
}

/** The page of the challenge list a request asked for (no `page` parameter: page 1). */
export function pageOfRequest(q: RecordedRequest): number {
  const p = q.query.page;
  return p === undefined ? 1 : Number(p);
}

export function pageOfChallenge(truth: Truth, id: number): number {
  const i = truth.listed.indexOf(id);
  return i === -1 ? -1 : Math.floor(i / PAGE_SIZE) + 1;
}

/** The page number of a list response body, from its `previous` link. */
function pageOfBody(body: { previous?: unknown }): number {
  if (typeof body.previous !== 'string') return 1;
  const page = new URL(body.previous).searchParams.get('page');
  return page === null ? 2 : Number(page) + 1;
}

export function endpointPath(at: Endpoint, id: number | undefined): { method?: string; path?: string | RegExp } {
  switch (at) {
    case 'any':
      return {};
    case 'list':
      return { method: 'GET', path: LIST_PATH };
    case 'metrics':
      return { method: 'GET', path: `/api/challenges/challenge/get_submission_metrics_by_pk/${id}/` };
    case 'manage_worker':
      return { method: 'PUT', path: new RegExp(`^/api/challenges/${id}/manage_worker/[^/]+/$`) };
    case 'ec2_details':
      return { method: 'GET', path: `/api/challenges/${id}/get_ec2_instance_details/` };
    case 'manage_ec2':
      return { method: 'PUT', path: new RegExp(`^/api/challenges/${id}/manage_ec2_instance/[^/]+/$`) };
    case 'submission_list':
      return { method: 'GET', path: `/api/jobs/challenge/${id}/submission/` };
    case 'submission_by_id':
      return { method: 'GET', path: `/api/jobs/submission/${id}` };
    case 'update_submission':
      return { method: 'PUT', path: `/api/jobs/challenge/${id}/update_submission/` };
    case 'challenge_by_pk':
      return { method: 'GET', path: `/api/challenges/challenge/${id}/` };
    case 'evaluation_cluster':
      return { method: 'GET', path: `/api/challenges/${id}/evaluation_cluster/` };
    case 'autoscale_eligible':
      return { method: 'GET', path: '/api/challenges/challenge/autoscale_eligible_challenges/' };
    case 'autoscale_meta':
      return { method: 'GET', path: `/api/challenges/challenge/${id}/autoscale_meta/` };
    case 'pending_count':
      return { method: 'GET', path: `/api/challenges/challenge/${id}/pending_submission_count/` };
  }
}

/** Keys of what a corrupted answer was about: `challenge:12`, `submission:90001`. */
export const challengeKey = (id: number) => `challenge:${id}`;
export const submissionKey = (id: number) => `submission:${id}`;

/** A contract-invalid value for each field a `wrong-type` transform touches. */
const WRONG: Record<string, unknown> = {
  workers: '1',
  id: 'seven',
  end_date: 'next tuesday',
  start_date: 'last monday',
  created_at: 'long ago',
  uses_ec2_worker: 'yes',
  approved_by_admin: 'yes',
  is_docker_based: 'yes',
  remote_evaluation: 'no',
  title: 42,
  submitted_at: 'last week',
  challenge_phase: 'phase one',
  status: -1,
  rerun_resumed_at: 'soon',
  scale_up_cap: 0,
  challenge_pk: 'pk',
  is_disabled: 'no',
};

const BAD_COUNT: Record<string, unknown> = { negative: -1, huge: 1e21, fraction: 1.5, string: '2', null: null };

type Json = Record<string, unknown>;

export interface BuildContext {
  sandbox: Sandbox;
  truth: Truth;
  foreignUrl: string;
  trapUrl: string;
  /** Quoted back by `echo` faults. */
  secrets: string[];
}

/** What a transform does to the data, and what its rewritten answers are about. */
export interface TransformInfo {
  spec: FaultSpec;
  op: TransformOp;
  /** The keys of what this transformed answer corrupts (empty: it corrupts nothing). */
  corrupts(q: RecordedRequest): string[];
}

export interface BuiltFaults {
  rules: FaultRule[];
  transforms: Map<Fault, TransformInfo>;
}

export function buildFaults(specs: readonly FaultSpec[], ctx: BuildContext): BuiltFaults {
  const rules: FaultRule[] = [];
  const transforms = new Map<Fault, TransformInfo>();
  for (const spec of specs) {
    const where = endpointPath(spec.at, spec.id);
    const fault = toSandboxFault(spec, spec.fault, ctx);
    if (fault.kind === 'transform' && spec.fault.kind === 'transform') {
      const { kind: _kind, ...op } = spec.fault;
      transforms.set(fault, { spec, op, corrupts: (q) => corruptedBy(spec, op, q, ctx.truth) });
    }
    rules.push({ ...where, skip: spec.skip, times: spec.times === 'always' ? Infinity : spec.times, fault });
  }
  return { rules, transforms };
}

function toSandboxFault(spec: FaultSpec, f: HttpFault, ctx: BuildContext): Fault {
  switch (f.kind) {
    case 'latency':
      return { kind: 'latency', ms: f.ms };
    case 'status':
      return {
        kind: 'status',
        status: f.status,
        body: { detail: f.echo ? `upstream proxy failed for Authorization: Bearer ${ctx.secrets.join(' / ')}` : 'Service temporarily unavailable' },
      };
    case 'refusal': {
      const bodies: Record<number, object> = {
        400: { error: 'Sorry, you are not authorized to make this request!' },
        403: { detail: 'You do not have permission to perform this action.' },
        404: { detail: 'Not found.' },
        406: { error: 'Challenge does not exist!' },
      };
      return { kind: 'status', status: f.status, body: bodies[f.status] };
    }
    case 'token-rejected':
      return {
        kind: 'status',
        status: 401,
        body: { detail: 'Given token not valid for any token type', code: 'token_not_valid', messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }] },
        headers: { 'WWW-Authenticate': 'Bearer realm="api"' },
      };
    case 'html':
      return { kind: 'html', status: f.status };
    case 'throttle':
      return { kind: 'throttle', retryAfter: f.retryAfter };
    case 'reset':
      return { kind: 'reset' };
    case 'hang':
      return { kind: 'hang' };
    case 'after-view':
      return { kind: 'after-view', answer: f.answer };
    case 'malformed-json':
      return { kind: 'malformed-json' };
    case 'redirect':
      return { kind: 'redirect', status: f.status, location: `${f.to === 'foreign' ? ctx.foreignUrl : ctx.trapUrl}/api/challenges/challenge/all/all/all` };
    case 'foreign-next':
      return { kind: 'foreign-next', origin: f.to === 'foreign' ? ctx.foreignUrl : ctx.trapUrl };
    case 'looping-next':
      return { kind: 'looping-next' };
    case 'transform': {
      const { kind: _kind, ...op } = f;
      return { kind: 'transform', fn: transformFn(spec, op, ctx) };
    }
  }
}

/** Applies `edit` to the entries of a body with id `victim`: list results, a bare array, or the body itself. */
function editEntries(body: unknown, victim: number, edit: (entry: Json) => Json): unknown {
  const isVictim = (e: unknown) => e !== null && typeof e === 'object' && !(e as Json).__copy && ((e as Json).id === victim || (e as Json).challenge_pk === victim);
  const map = (items: unknown[]) => items.map((e) => (isVictim(e) ? edit({ ...(e as Json) }) : e));
  if (Array.isArray(body)) return map(body);
  if (body && typeof body === 'object') {
    const o = body as Json;
    if (Array.isArray(o.results)) return { ...o, results: map(o.results) };
    if (isVictim(o)) return edit({ ...o });
  }
  return body;
}

function transformFn(spec: FaultSpec, op: TransformOp, ctx: BuildContext): (body: unknown) => unknown {
  switch (op.op) {
    case 'wrong-type':
      return (body) =>
        editEntries(body, op.victim, (e) => {
          if (op.value === 'missing') delete e[op.field];
          else e[op.field] = WRONG[op.field] ?? { wrong: true };
          return e;
        });
    case 'null-end-date':
      return (body) => editEntries(body, op.victim, (e) => ({ ...e, end_date: null }));
    case 'duplicate':
      return (body) => {
        const o = body as Json;
        const victim = ctx.sandbox.state.challenges.get(op.victim);
        if (!victim || !Array.isArray(o?.results) || pageOfBody(o) <= pageOfChallenge(ctx.truth, op.victim)) return body;
        const copy = { ...serializeChallenge(victim, ctx.sandbox.state, new Date()), __copy: true };
        return { ...o, results: [copy, ...o.results] };
      };
    case 'bad-envelope':
      return (body) => ({ ...(body as Json), results: 'not a list' });
    case 'bad-count':
      return (body) => {
        const o = body as Json;
        if (o && typeof o.status_counts === 'object' && o.status_counts !== null) {
          return { ...o, status_counts: { ...(o.status_counts as Json), [op.status]: BAD_COUNT[op.value] } };
        }
        return { ...o, [op.status]: BAD_COUNT[op.value] };
      };
    case 'not-object':
      return () => 'no metrics today';
    case 'mismatch':
      return (body) => ({ ...(body as Json), pending_submissions: Number((body as Json).pending_submissions) + 1 });
    case 'not-array':
      return (body) => ({ results: body });
    case 'other-id':
      return (body) => ({ ...(body as Json), id: Number((body as Json).id) + 1000 });
    case 'bad-state':
      return (body) => {
        const o = body as Json;
        const m = o.message as Json | undefined;
        if (!m || typeof m !== 'object') return body;
        return { ...o, message: { ...m, State: { Code: 99, Name: 'exploding' } } };
      };
    case 'no-name':
      return (body) => {
        const { name: _name, ...rest } = body as Json;
        return rest;
      };
    case 'duplicate-pks':
      return (body) => {
        const o = body as Json;
        return Array.isArray(o.challenge_pks) ? { ...o, challenge_pks: [...o.challenge_pks, ...o.challenge_pks] } : body;
      };
    case 'garble':
      return () => (spec.at === 'update_submission' ? {} : { action: 'Perhaps' });
  }
}

/** What a transformed answer to request `q` corrupted (keys), following each transform's semantics. */
function corruptedBy(spec: FaultSpec, op: TransformOp, q: RecordedRequest, truth: Truth): string[] {
  const pathId = spec.id;
  switch (op.op) {
    case 'wrong-type':
      if (spec.at === 'list') return pageOfRequest(q) === pageOfChallenge(truth, op.victim) ? [challengeKey(op.victim)] : [];
      if (spec.at === 'submission_list') return truth.submissions.get(op.victim)?.status === q.query.status ? [submissionKey(op.victim)] : [];
      if (spec.at === 'submission_by_id') return [submissionKey(op.victim)];
      return [challengeKey(op.victim)];
    case 'bad-envelope': {
      const page = pageOfRequest(q);
      return truth.listed.filter((id) => pageOfChallenge(truth, id) === page).map(challengeKey);
    }
    case 'bad-count':
    case 'not-object':
    case 'mismatch':
    case 'bad-state':
    case 'no-name':
      return pathId === undefined ? [] : [challengeKey(pathId)];
    case 'not-array':
      return [...truth.submissions].filter(([, s]) => s.challenge === pathId && s.status === q.query.status).map(([id]) => submissionKey(id));
    case 'other-id':
      return pathId === undefined ? [] : [submissionKey(pathId)];
    case 'null-end-date':
    case 'duplicate':
    case 'duplicate-pks':
    case 'garble':
      return [];
  }
}

/** The fault plan each recorded request got, in order: the same rules replayed over the same log. */
export function replay(rules: readonly FaultRule[], requests: readonly RecordedRequest[]): FaultPlan[] {
  const book = new FaultBook();
  for (const rule of rules) book.add(rule);
  return requests.map((q) => book.plan(q.method, q.path));
}

/** A fresh sandbox for one schedule, on a copy of `state`. */
export async function sandboxFor(state: SandboxState): Promise<Sandbox> {
  return startSandbox({ seed: stateFromSeed(state), pageSize: PAGE_SIZE, throttleRatePerMinute: false });
}
