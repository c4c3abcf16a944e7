/**
 * The five invariants of issue 5, checked after every run from the sandbox's request log (with the
 * fault each request got, replayed), the AWS fakes' call log and the run's own output.
 *
 * Events are ordered on one line: the i-th request the sandbox received is at position i; an AWS
 * call made after n requests had arrived is at n - 0.5 (+ a tiny step per AWS call, keeping their
 * own order). "Before a mutation" means at a smaller position.
 */
import type { Fault, FaultPlan } from '../../../src/sandbox/faults.js';
import type { RecordedRequest } from '../../../src/sandbox/index.js';
import type { AwsCall } from './aws-fake.js';
import type { RunResult } from './run-main.js';
import type { TransformInfo } from './sandbox-world.js';

export interface RunRecord {
  requests: RecordedRequest[];
  plans: FaultPlan[];
  transforms: Map<Fault, TransformInfo>;
  aws: AwsCall[];
  result: RunResult;
  dryRun: boolean;
  /** Requests the foreign EvalAI received, connections the trap port received, during the run. */
  foreignRequests: number;
  trapConnections: number;
  /** Tokens and keys of the run: none may appear in stdout or stderr. */
  secrets: string[];
}

/** One mutating call (an attempt): a PUT/PATCH/POST to EvalAI, or Start/Stop/UpdateNodegroupConfig. */
export interface Mutation {
  pos: number;
  /** `challenge:12` or `submission:90001`: what is acted on. */
  target: string;
  /** The challenge it belongs to. */
  challenge: number;
  /** Stop, delete, scale to zero, cancel. */
  removal: boolean;
  /** The server or AWS carried it out (no fault in front of it). */
  processed: boolean;
  /** Attempts of one request, retried after a 429, share a key. */
  retryKey: string;
  label: string;
  http?: number;
  aws?: AwsCall;
}

/** What a command must have observed, successfully and uncorrupted, before a mutation. */
export interface Observation {
  name: string;
  /** The requests of this kind (the latest one before the mutation is the one that counts). */
  http?: (q: RecordedRequest) => boolean;
  aws?: (c: AwsCall) => boolean;
  /** Statuses other than 2xx that are a real answer of the view (by-pk's 406 "was removed"). */
  accept?: number[];
  /** The corruption key that matters: a transform that corrupted this key makes the answer untrustworthy. */
  key: string;
  /** Not required: if there is no such request, nothing is checked. */
  optional?: boolean;
  /** Picks the request that counts, instead of the latest matching one before the mutation. */
  pick?: (rec: RunRecord, pos: number) => number | null;
}

export const awsPos = (call: AwsCall, index: number) => call.stamp - 0.5 + index * 1e-6;

export function isMutatingHttp(q: RecordedRequest): boolean {
  return q.method !== 'GET' && q.method !== 'HEAD' && q.method !== 'OPTIONS';
}

/** Where the latest request / call of an observation kind before `pos` stands: null when clean. */
export function observationProblem(rec: RunRecord, obs: Observation, pos: number): string | null {
  let best: { pos: number; problem: string | null; what: string } | null = null;
  const describe = (i: number) => {
    const q = rec.requests[i]!;
    return `#${i} ${q.method} ${q.path}${q.query.page ? `?page=${q.query.page}` : ''}${q.query.status ? `?status=${q.query.status}` : ''}`;
  };
  if (obs.pick) {
    const i = obs.pick(rec, pos);
    if (i !== null) best = { pos: i, problem: httpProblem(rec, i, obs), what: describe(i) };
  } else if (obs.http) {
    for (let i = 0; i < rec.requests.length && i < pos; i++) {
      const q = rec.requests[i]!;
      if (!obs.http(q)) continue;
      best = { pos: i, problem: httpProblem(rec, i, obs), what: describe(i) };
    }
  }
  if (obs.aws) {
    rec.aws.forEach((c, k) => {
      const p = awsPos(c, k);
      if (p >= pos || !obs.aws!(c)) return;
      if (!best || p > best.pos) best = { pos: p, problem: c.outcome === 'ok' ? null : `AWS answered ${c.outcome}`, what: `AWS ${c.op} ${c.key}` };
    });
  }
  if (!best) return obs.optional ? null : `no ${obs.name} before it`;
  const found = best as { problem: string | null; what: string };
  return found.problem ? `${obs.name} (${found.what}) ${found.problem}` : null;
}

function httpProblem(rec: RunRecord, i: number, obs: Observation): string | null {
  const q = rec.requests[i]!;
  const plan = rec.plans[i]!;
  if (plan.terminal) return `got a "${plan.terminal.kind}" fault (HTTP ${q.status})`;
  const success = q.status >= 200 && q.status < 300;
  if (!success && !(obs.accept ?? []).includes(q.status)) return `answered HTTP ${q.status}`;
  // An accepted error answer (by-pk's 406 "was removed") holds no entry a transform could corrupt.
  for (const w of success ? plan.wrappers : []) {
    const t = rec.transforms.get(w);
    if (t && t.corrupts(q).includes(obs.key)) return `was corrupted by ${JSON.stringify(t.op)}`;
  }
  return null;
}

export interface Violation {
  invariant: 1 | 2 | 3 | 4 | 5 | 6;
  message: string;
}

/**
 * 1. No mutating call for a target whose observation failed or was malformed: for every mutation,
 * the latest request of each observation it rests on came back 2xx from the view (no fault in
 * front of it) and was not rewritten by a data-corrupting transform touching that target. In a
 * dry run, no mutating call at all.
 */
export function checkObservedBeforeActing(rec: RunRecord, mutations: readonly Mutation[], observationsFor: (m: Mutation) => Observation[]): Violation[] {
  const out: Violation[] = [];
  for (const m of mutations) {
    if (rec.dryRun) out.push({ invariant: 1, message: `dry run, yet ${m.label}` });
    for (const obs of observationsFor(m)) {
      const problem = observationProblem(rec, obs, m.pos);
      if (problem) out.push({ invariant: 1, message: `${m.label} for ${m.target}, but ${problem}` });
    }
  }
  return out;
}

/**
 * 2. No stop, delete, scale to zero or cancel while that target's pending count was above zero in
 * the sandbox before the run, or unknown to the tool (`safe` says why a removal was unsafe, or null).
 */
export function checkNoRemovalWhilePending(mutations: readonly Mutation[], safe: (m: Mutation) => string | null): Violation[] {
  const out: Violation[] = [];
  for (const m of mutations) {
    if (!m.removal) continue;
    const problem = safe(m);
    if (problem) out.push({ invariant: 2, message: `${m.label} for ${m.target}: ${problem}` });
  }
  return out;
}

/**
 * 3. Each target is acted on at most once per run: mutating attempts per target, where an attempt
 * that a fault stopped before the server (a 429, a reset before the view) and that was then retried
 * identically counts with its retry as one. An attempt the view carried out (its answer lost or spoilt
 * after it: `after-view`) is processed: a retry of it is a second action.
 */
export function checkActedAtMostOnce(mutations: readonly Mutation[]): Violation[] {
  const groups = new Map<string, Mutation[][]>();
  for (const m of [...mutations].sort((a, b) => a.pos - b.pos)) {
    const list = groups.get(m.target) ?? [];
    const last = list.at(-1);
    const previous = last?.at(-1);
    if (previous && !previous.processed && previous.retryKey === m.retryKey) last!.push(m);
    else list.push([m]);
    groups.set(m.target, list);
  }
  const out: Violation[] = [];
  for (const [target, list] of groups) {
    if (list.length > 1) out.push({ invariant: 3, message: `${target} acted on ${list.length} times: ${list.map((g) => g.map((m) => `${m.label}${m.processed ? '' : ' (not processed)'}`).join(' + ')).join('; ')}` });
  }
  return out;
}

const EXIT_CODES = new Set([0, 1, 2, 3, 4, 5, 6]);

interface Report {
  exitCode: number;
  errors: string[];
  outcomes: Array<{ status: string; reason: string; error?: string }>;
}

/**
 * 4. No crash: main() returns (never throws), with a documented exit code, no "internal error",
 * and a non-zero code exactly when something failed: with --json, some outcome "failed" or a run
 * error; in the human summary, "N failed" (challenges or submissions) or "N run errors".
 */
export function checkExitCode(result: RunResult, json: boolean): Violation[] {
  const out: Violation[] = [];
  const v = (message: string) => out.push({ invariant: 4, message });
  if (result.code === null) {
    v(`main() threw: ${String((result.threw as Error)?.stack ?? result.threw)}`);
    return out;
  }
  if (!EXIT_CODES.has(result.code)) v(`exit code ${result.code} is not a documented one`);
  // main()'s "<command>: internal error: ..." or an internal error of the tool's own inside an outcome
  // (AWS's own "AWS internal error (InternalError ...)" is an answer, not a crash).
  const internal = /(^|: )internal error: .*/im.exec(`${result.stdout}\n${result.stderr}`);
  if (internal) v(`internal error in the output: ${internal[0].slice(0, 300)}`);
  if (result.stdout.trim() === '') {
    // A run-level refusal before any report (lock held, hard deadline): a code and one line on stderr.
    if (result.code === 0) v('exit 0 without a report');
    else if (!result.stderr.trim()) v(`exit ${result.code} with no report and nothing on stderr`);
    return out;
  }
  let failed: boolean;
  let reported: number;
  if (json) {
    let report: Report;
    try {
      report = JSON.parse(result.stdout) as Report;
    } catch {
      v(`--json output is not JSON: ${result.stdout.slice(0, 200)}`);
      return out;
    }
    reported = report.exitCode;
    failed = report.errors.length > 0 || report.outcomes.some((o) => o.status === 'failed');
    const unexpected = report.outcomes.filter((o) => o.reason === 'unexpected error');
    if (unexpected.length) v(`outcome "unexpected error": ${unexpected.map((o) => o.error).join('; ')}`);
  } else {
    const summary = result.stdout.trimEnd().split('\n').at(-1) ?? '';
    const m = /; exit (\d+)$/.exec(summary);
    if (!m) {
      v(`no summary line: ${summary}`);
      return out;
    }
    reported = Number(m[1]);
    const failures = [...summary.matchAll(/(\d+) failed/g)].reduce((n, x) => n + Number(x[1]), 0);
    const runErrors = /(\d+) run errors?/.exec(summary);
    failed = failures > 0 || Boolean(runErrors && Number(runErrors[1]) > 0);
    if (/- unexpected error/.test(result.stdout)) v('outcome "unexpected error" in the output');
  }
  if (reported !== result.code) v(`the report says exit ${reported}, main() returned ${result.code}`);
  if (failed !== (result.code !== 0)) v(`exit ${result.code}, but ${failed ? 'something failed' : 'nothing failed'}`);
  return out;
}

/**
 * 5. No request leaves the configured EvalAI origin (the foreign EvalAI and the trap port saw
 * nothing; AWS is reached only through the SDK mocks), and no token or key appears in stdout or
 * stderr, whole or URL-encoded.
 */
export function checkNothingLeaks(rec: RunRecord): Violation[] {
  const out: Violation[] = [];
  if (rec.foreignRequests > 0) out.push({ invariant: 5, message: `the foreign EvalAI received ${rec.foreignRequests} request(s)` });
  if (rec.trapConnections > 0) out.push({ invariant: 5, message: `the trap port received ${rec.trapConnections} connection(s)` });
  for (const secret of rec.secrets) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      if (rec.result.stdout.includes(form)) out.push({ invariant: 5, message: `a secret (${secret.slice(0, 6)}…) appears in stdout` });
      if (rec.result.stderr.includes(form)) out.push({ invariant: 5, message: `a secret (${secret.slice(0, 6)}…) appears in stderr` });
    }
  }
  return out;
}

/** The mutating requests of the log, with the target `targetOf` names (null: not a mutation of interest). */
export function httpMutations(rec: RunRecord, targetOf: (q: RecordedRequest) => { target: string; challenge: number; removal: boolean } | null): Mutation[] {
  const out: Mutation[] = [];
  rec.requests.forEach((q, i) => {
    if (!isMutatingHttp(q)) return;
    const t = targetOf(q) ?? { target: `unknown:${q.path}`, challenge: 0, removal: true };
    out.push({
      pos: i,
      ...t,
      // An after-view fault spoils the answer only: the view ran.
      processed: rec.plans[i]!.terminal === null || rec.plans[i]!.terminal!.kind === 'after-view',
      retryKey: `${q.method} ${q.path} ${JSON.stringify(q.body ?? null)}`,
      label: `#${i} ${q.method} ${q.path}`,
      http: i,
    });
  });
  return out;
}

/** Formats a run for a failure message: the argv, the violations, the request log with faults, the output. */
export function describeRun(rec: RunRecord, violations: readonly Violation[]): string {
  const lines = [`command: ${rec.result.argv.join(' ')}`, `exit: ${rec.result.code} (${rec.result.ms} ms)`, 'violations:'];
  for (const v of violations) lines.push(`  invariant ${v.invariant}: ${v.message}`);
  lines.push('requests (index, method, path, status, fault):');
  rec.requests.forEach((q, i) => {
    const plan = rec.plans[i]!;
    const faults = [plan.terminal?.kind, ...plan.wrappers.map((w) => (rec.transforms.get(w) ? `transform ${JSON.stringify(rec.transforms.get(w)!.op)}` : w.kind))].filter(Boolean).join(', ');
    const query = Object.keys(q.query).length ? `?${new URLSearchParams(q.query).toString()}` : '';
    lines.push(`  #${i} ${q.method} ${q.path}${query} -> ${q.status}${faults ? ` [${faults}]` : ''}`);
  });
  if (rec.aws.length) {
    lines.push('AWS calls:');
    rec.aws.forEach((c, k) => lines.push(`  @${awsPos(c, k).toFixed(1)} ${c.op} ${c.key} -> ${c.outcome}${c.processed ? ' (processed)' : ''}`));
  }
  lines.push('stdout:', rec.result.stdout.slice(0, 4000), 'stderr (last lines):', rec.result.stderr.split('\n').slice(-15).join('\n').slice(0, 4000));
  return lines.join('\n');
}
