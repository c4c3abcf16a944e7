/**
 * One schedule, end to end: a fresh sandbox on the command's small seed, the schedule's faults (and
 * AWS fakes), the command run in process, then the five invariants. And the fast-check driver that
 * runs many schedules, prints how many were tried, and on failure prints the shrunk schedule.
 */
import fc from 'fast-check';
import type { RecordedRequest, Sandbox, SandboxState } from '../../../src/sandbox/index.js';
import { installAws, type AwsCall, type AwsWorld, type NodegroupState } from './aws-fake.js';
import {
  checkActedAtMostOnce,
  checkExitCode,
  checkNoRemovalWhilePending,
  checkNothingLeaks,
  checkObservedBeforeActing,
  describeRun,
  httpMutations,
  awsPos,
  type Mutation,
  type Observation,
  type RunRecord,
  type Violation,
} from './invariants.js';
import { runInProcess, type RunResult } from './run-main.js';
import { buildFaults, replay, sandboxFor, truthOf, type Infra, type Truth } from './sandbox-world.js';
import { commonFlags, type AwsFaultSpec, type CommonKnobs, type FaultSpec } from './schedule.js';


/** The seed CI runs (CI=true): fixed, so CI is reproducible. */
const CI_SEED = 20_261_122;
/** What a command's property says about one schedule, once the sandbox is up. */
export interface Plan {
  argv: string[];
  env: Record<string, string>;
  /**
   * Secrets the run is given beyond the EvalAI token (host tokens, Lambda token, AWS keys): `echo`
   * faults quote them back; the last one is quoted by AWS errors.
   */
  secrets?: string[];
  /** Secrets the run only learns on the way (STS credentials): checked, never quoted by a fault. */
  learned?: string[];
  aws?: { faults: readonly AwsFaultSpec[]; nodegroups?: Map<string, Map<string, NodegroupState>> };
}

/** How a command's mutations and observations are recognised, for the invariants. */
export interface Model<S = unknown> {
  /** The target of a mutating EvalAI request (null: unknown, reported as a violation of 1). */
  httpTarget(q: RecordedRequest, truth: Truth): { target: string; challenge: number; removal: boolean } | null;
  /** The target of an AWS mutation (Start/Stop/UpdateNodegroupConfig). */
  awsTarget?(c: AwsCall, truth: Truth): { target: string; challenge: number; removal: boolean } | null;
  /** What must have been observed, clean, before `m`. */
  observations(m: Mutation, truth: Truth, rec: RunRecord, schedule: S): Observation[];
  /** Why removal `m` was unsafe (pending above zero before the run, or unknown), or null. */
  removalProblem(m: Mutation, truth: Truth, rec: RunRecord, schedule: S): string | null;
  /** 6. What the command recorded of its own actions (cancel-stale's audit log) is true. */
  recordProblems?(rec: RunRecord, schedule: S): Violation[];
}

export interface Schedule {
  knobs: CommonKnobs;
  faults: FaultSpec[];
}

export interface CommandProperty<S extends Schedule> {
  name: string;
  command: string;
  infra: () => Infra;
  /** The state before the run (a fresh copy each time): the seed with the schedule's tweaks. */
  state(schedule: S): SandboxState;
  plan(schedule: S, sandbox: Sandbox, truth: Truth): Plan;
  model: Model<S>;
}

const AWS_MUTATIONS = new Set(['StartInstances', 'StopInstances', 'UpdateNodegroupConfig']);

/** What the schedules of a property exercised, printed under its summary line (a vacuous suite shows here). */
const stats = {
  exits: new Map<string, number>(),
  acting: 0,
  mutations: 0,
  removals: 0,
  faulted: new Map<string, number>(),
  awsCalls: 0,
  awsErrors: 0,
};

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function resetStats(): void {
  stats.exits.clear();
  stats.faulted.clear();
  stats.acting = stats.mutations = stats.removals = stats.awsCalls = stats.awsErrors = 0;
}

function formatStats(): string {
  const list = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
  return (
    `  exit codes: ${list(new Map([...stats.exits].sort()))}; runs that acted: ${stats.acting}; mutating calls: ${stats.mutations} (removals ${stats.removals}); ` +
    `AWS calls: ${stats.awsCalls} (${stats.awsErrors} failed)\n  faults answered: ${list(stats.faulted)}`
  );
}

/** How a command is run: in process (main) by default; the bin tests run the built bins. */
export type Runner = (argv: string[], env: Record<string, string>) => Promise<RunResult>;

/** Runs one schedule and throws a readable report when an invariant does not hold. */
export async function runSchedule<S extends Schedule>(p: CommandProperty<S>, schedule: S, runner: Runner = runInProcess): Promise<{ rec: RunRecord; mutations: Mutation[] }> {
  const infra = p.infra();
  const state = p.state(schedule);
  const truth = truthOf(state);
  const sandbox = await sandboxFor(state);
  let aws: AwsWorld | undefined;
  let rec: RunRecord;
  try {
    const plan = p.plan(schedule, sandbox, truth);
    const token = sandbox.tokens.staff;
    const secrets = [token, ...(plan.secrets ?? [])];
    const built = buildFaults(schedule.faults, { sandbox, truth, foreignUrl: infra.foreign.url, trapUrl: infra.trap.url, secrets: [...secrets] });
    for (const rule of built.rules) sandbox.fault(rule);
    if (plan.aws) {
      aws = installAws({ sandbox, truth, faults: plan.aws.faults, nodegroups: plan.aws.nodegroups ?? new Map(), echoSecret: secrets.at(-1)! });
    }
    const foreignBefore = infra.foreign.requests.length;
    const trapBefore = infra.trap.connections;
    const env = { API_HOST_URL: sandbox.url, AUTH_TOKEN: token, EVALAI_AUTOSCALER_STATE_DIR: infra.dir, ...plan.env };
    const argv = [p.command, ...plan.argv, ...commonFlags(schedule.knobs)];
    const result = await runner(argv, env);
    secrets.push(...(plan.learned ?? []));
    rec = {
      requests: [...sandbox.requests],
      plans: replay(built.rules, sandbox.requests),
      transforms: built.transforms,
      aws: aws ? [...aws.calls] : [],
      result,
      dryRun: schedule.knobs.dryRun,
      foreignRequests: infra.foreign.requests.length - foreignBefore,
      trapConnections: infra.trap.connections - trapBefore,
      secrets,
    };
    infra.foreign.requests.length = 0;
  } finally {
    await sandbox.close();
  }

  const mutations: Mutation[] = httpMutations(rec, (q) => p.model.httpTarget(q, truth));
  rec.aws.forEach((c, k) => {
    if (!AWS_MUTATIONS.has(c.op)) return;
    const t = p.model.awsTarget?.(c, truth) ?? { target: `unknown:${c.key}`, challenge: 0, removal: true };
    mutations.push({ pos: awsPos(c, k), ...t, processed: c.processed, retryKey: `${c.op} ${JSON.stringify(c.input)}`, label: `AWS ${c.op} ${c.key}`, aws: c });
  });
  count(stats.exits, String(rec.result.code));
  if (mutations.length) stats.acting++;
  stats.mutations += mutations.length;
  stats.removals += mutations.filter((m) => m.removal).length;
  stats.awsCalls += rec.aws.length;
  stats.awsErrors += rec.aws.filter((c) => c.outcome !== 'ok').length;
  for (const plan of rec.plans) {
    if (plan.terminal) count(stats.faulted, plan.terminal.kind === 'after-view' ? `after-view ${plan.terminal.answer}` : plan.terminal.kind);
    for (const w of plan.wrappers) count(stats.faulted, rec.transforms.get(w) ? `transform ${rec.transforms.get(w)!.op.op}` : w.kind);
    if (plan.latencyMs) count(stats.faulted, 'latency');
  }

  const violations = [
    ...checkObservedBeforeActing(rec, mutations, (m) => p.model.observations(m, truth, rec, schedule)),
    ...checkNoRemovalWhilePending(mutations, (m) => p.model.removalProblem(m, truth, rec, schedule)),
    ...checkActedAtMostOnce(mutations),
    ...checkExitCode(rec.result, schedule.knobs.json),
    ...checkNothingLeaks(rec),
    ...(p.model.recordProblems?.(rec, schedule) ?? []),
  ];
  if (violations.length) throw new Error(describeRun(rec, violations));
  return { rec, mutations };
}

/** Schedules per property: the numbers below sum to more than 1,000; PROPERTY_RUNS scales them. */
export function runs(n: number): number {
  const factor = Number(process.env.PROPERTY_RUNS ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

/**
 * Runs the property over `numRuns` schedules. Prints `properties: <name> N schedules, F failures
 * (seed S)`; on failure, throws fast-check's report: the seed, the path to replay it, and the
 * shrunk schedule with the run's own report (violations, requests with their faults, output).
 * PROPERTY_SEED (and PROPERTY_PATH) replay a reported failure.
 */
export async function checkProperty<S extends Schedule>(p: CommandProperty<S>, arb: fc.Arbitrary<S>, numRuns: number): Promise<void> {
  // CI (CI=true) runs a fixed seed, so a red CI means a change broke something, not bad luck;
  // elsewhere each run explores new schedules. PROPERTY_SEED replays a reported failure.
  const seed =
    process.env.PROPERTY_SEED !== undefined
      ? Number(process.env.PROPERTY_SEED)
      : process.env.CI
        ? CI_SEED
        : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  const started = Date.now();
  resetStats();
  const details = await fc.check(
    fc.asyncProperty(arb, async (schedule) => {
      await runSchedule(p, schedule);
    }),
    { numRuns, seed, ...(process.env.PROPERTY_PATH ? { path: process.env.PROPERTY_PATH } : {}), endOnFailure: process.env.PROPERTY_NO_SHRINK === '1' },
  );
  const tried = details.failed ? details.numRuns : numRuns;
  console.log(
    `properties: ${p.name} ${tried} schedules, ${details.failed ? 1 : 0} failures (seed ${details.seed}, ${((Date.now() - started) / 1000).toFixed(1)} s` +
      `${details.failed ? `, shrunk ${details.numShrinks} times; replay with PROPERTY_SEED=${details.seed} PROPERTY_PATH=${details.counterexamplePath}` : ''})`,
  );
  console.log(formatStats());
  if (details.failed) {
    const run = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    const schedule = JSON.stringify(details.counterexample?.[0], (_k, v: unknown) => (v === undefined ? '(undefined)' : v), 2);
    throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\nThe shrunk schedule:\n${schedule}\nIts run:\n${run}`);
  }
}
