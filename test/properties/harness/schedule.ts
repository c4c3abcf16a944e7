/**
 * Fault schedules as plain data: what fast-check generates, shrinks and prints. Nothing here is a
 * function; the sandbox rules and the AWS fakes are built from this data inside each property
 * (sandbox-world.ts, aws-fake.ts), so a failing schedule prints as a readable object literal.
 */
import fc from 'fast-check';

/** Where an EvalAI fault is aimed. `id` is a challenge id, or a submission id for `submission_by_id`. */
export type Endpoint =
  | 'any'
  | 'list'
  | 'metrics'
  | 'manage_worker'
  | 'ec2_details'
  | 'manage_ec2'
  | 'submission_list'
  | 'submission_by_id'
  | 'update_submission'
  | 'challenge_by_pk'
  | 'evaluation_cluster'
  | 'autoscale_eligible'
  | 'autoscale_meta'
  | 'pending_count';

/**
 * How a response is rewritten (sandbox `transform`). All but `null-end-date`, `duplicate`,
 * `duplicate-pks` and `garble` make the data contract-invalid ("data-corrupting"): a tool that acts
 * on what they touched acted on a malformed observation.
 */
export type TransformOp =
  /** A field of `victim`'s entry (challenge, submission, autoscale_meta) gets a wrong type or goes missing. */
  | { op: 'wrong-type'; victim: number; field: string; value: 'wrong-type' | 'missing' }
  /** list: `victim`'s end_date becomes null (valid: "no end"; not corrupting). */
  | { op: 'null-end-date'; victim: number }
  /** list: a clean copy of `victim` is repeated at the top of every later page (not corrupting). */
  | { op: 'duplicate'; victim: number }
  /** list: the page envelope is broken (results not an array). */
  | { op: 'bad-envelope' }
  /** metrics / pending_count: one count becomes negative, huge, fractional, a string or null. */
  | { op: 'bad-count'; status: 'running' | 'submitted' | 'queued' | 'resuming'; value: 'negative' | 'huge' | 'fraction' | 'string' | 'null' }
  /** metrics: not an object at all. */
  | { op: 'not-object' }
  /** pending_count: the total disagrees with status_counts. */
  | { op: 'mismatch' }
  /** submission_list: the list is not an array. */
  | { op: 'not-array' }
  /** submission_by_id: the answer is another submission. */
  | { op: 'other-id' }
  /** ec2_details: an unknown instance state name. */
  | { op: 'bad-state' }
  /** evaluation_cluster: no cluster name. */
  | { op: 'no-name' }
  /** autoscale_eligible: every pk twice (not corrupting: a repeated target). */
  | { op: 'duplicate-pks' }
  /** a mutation's answer is garbled (not an observation; not corrupting). */
  | { op: 'garble' };

export type HttpFault =
  | { kind: 'latency'; ms: number }
  /** 5xx JSON; `echo` quotes the run's secrets back in the body (redaction must catch them). */
  | { kind: 'status'; status: 500 | 502 | 503 | 504; echo: boolean }
  | { kind: 'refusal'; status: 400 | 403 | 404 | 406 }
  | { kind: 'token-rejected' }
  | { kind: 'html'; status: 500 | 502 | 503 }
  | { kind: 'throttle'; retryAfter: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  /** A mutation only: the view acts, then its answer is lost or spoilt (a write that happened, unbeknown to the tool). */
  | { kind: 'after-view'; answer: 'reset' | 'hang' | 'server-error' | 'html' | 'truncated' }
  | { kind: 'malformed-json' }
  | { kind: 'redirect'; status: 301 | 302; to: 'foreign' | 'trap' }
  | { kind: 'foreign-next'; to: 'foreign' | 'trap' }
  | { kind: 'looping-next' }
  | ({ kind: 'transform' } & TransformOp);

export interface FaultSpec {
  at: Endpoint;
  id?: number;
  fault: HttpFault;
  /** Let the first `skip` matching requests through. */
  skip: number;
  /** Fault this many matching requests, or every one. */
  times: number | 'always';
}

export type AwsOp = 'DescribeInstances' | 'StartInstances' | 'StopInstances' | 'ListNodegroups' | 'DescribeNodegroup' | 'UpdateNodegroupConfig' | 'AssumeRole';

/**
 * An AWS error (aws-sdk-client-mock): an error code as the SDK throws it, a network error, or a
 * malformed answer (`empty`: no instance / no scalingConfig / no credentials; `bad-state`).
 */
export type AwsErrorKind =
  | 'Throttling'
  | 'RequestLimitExceeded'
  | 'TooManyRequestsException'
  | 'IncorrectInstanceState'
  | 'IncorrectState'
  | 'InvalidInstanceID.NotFound'
  | 'ResourceNotFoundException'
  | 'ResourceInUseException'
  | 'InvalidParameterException'
  | 'ExpiredToken'
  | 'ExpiredTokenException'
  | 'UnauthorizedOperation'
  | 'AccessDenied'
  | 'InternalError'
  | 'ECONNRESET'
  | 'empty'
  | 'bad-state';

export interface AwsFaultSpec {
  op: AwsOp;
  /** The challenge whose instance, nodegroup or role the call is about. */
  id: number;
  error: AwsErrorKind;
  skip: number;
  times: number | 'always';
  /** The error message quotes the AWS secret key (redaction must catch it). */
  echo: boolean;
}

/** Flags every command's schedule draws. */
export interface CommonKnobs {
  concurrency: number;
  retries: number;
  json: boolean;
  logLevel: 'info' | 'debug';
  dryRun: boolean;
  /** --max-actions; undefined: the command's default. */
  maxActions?: number;
  /** --challenge; undefined: all. */
  only?: number[];
  /** A deadline that has passed before the first challenge ("1ms"), or the normal 30s. */
  deadline: '30s' | '1ms';
}

/** fc.record with plain objects (printed without `__proto__: null`). */
export function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, requiredKeys?: Array<keyof T>): fc.Arbitrary<T> {
  return (requiredKeys ? fc.record(model, { requiredKeys, noNullPrototype: true }) : fc.record(model, { noNullPrototype: true })) as fc.Arbitrary<T>;
}

export const timesArb: fc.Arbitrary<number | 'always'> = fc.oneof(
  { arbitrary: fc.constantFrom(1, 2, 3), weight: 4 },
  { arbitrary: fc.constant('always' as const), weight: 1 },
);

export const skipArb = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 2 });

/** Faults any endpoint can answer with. */
export function terminalFaultArb(opts: { hang?: boolean; tokenRejected?: boolean } = {}): fc.Arbitrary<HttpFault> {
  const items: Array<{ arbitrary: fc.Arbitrary<HttpFault>; weight: number }> = [
    { arbitrary: rec({ kind: fc.constant('latency' as const), ms: fc.integer({ min: 1, max: 15 }) }), weight: 2 },
    { arbitrary: rec({ kind: fc.constant('status' as const), status: fc.constantFrom(500 as const, 502 as const, 503 as const, 504 as const), echo: fc.boolean() }), weight: 4 },
    { arbitrary: rec({ kind: fc.constant('refusal' as const), status: fc.constantFrom(400 as const, 403 as const, 404 as const, 406 as const) }), weight: 1 },
    { arbitrary: rec({ kind: fc.constant('html' as const), status: fc.constantFrom(500 as const, 502 as const, 503 as const) }), weight: 2 },
    { arbitrary: rec({ kind: fc.constant('throttle' as const), retryAfter: fc.constantFrom(0, 1, 7, 3600) }), weight: 3 },
    { arbitrary: fc.constant({ kind: 'reset' as const }), weight: 2 },
    { arbitrary: fc.constant({ kind: 'malformed-json' as const }), weight: 2 },
    { arbitrary: rec({ kind: fc.constant('redirect' as const), status: fc.constantFrom(301 as const, 302 as const), to: fc.constantFrom('foreign' as const, 'trap' as const) }), weight: 1 },
  ];
  if (opts.hang !== false) items.push({ arbitrary: fc.constant({ kind: 'hang' as const }), weight: 1 });
  if (opts.tokenRejected) items.push({ arbitrary: fc.constant({ kind: 'token-rejected' as const }), weight: 1 });
  return fc.oneof(...items);
}

export function transformArb(ops: fc.Arbitrary<TransformOp>): fc.Arbitrary<HttpFault> {
  return ops.map((op) => ({ kind: 'transform' as const, ...op }));
}

/** A fault aimed at one endpoint of one challenge (or submission). */
export function faultAt(at: Endpoint, ids: readonly number[], fault: fc.Arbitrary<HttpFault>, skip: fc.Arbitrary<number> = skipArb): fc.Arbitrary<FaultSpec> {
  return rec<FaultSpec>({ at: fc.constant(at), id: fc.constantFrom(...ids), fault, skip, times: timesArb });
}

/** Faults of the challenge list (a GET repeated once per page): errors, bad entries, bad `next`. */
export function listFaultArb(listed: readonly number[]): fc.Arbitrary<FaultSpec> {
  const victim = fc.constantFrom(...listed);
  const field = fc.constantFrom('workers', 'id', 'end_date', 'uses_ec2_worker', 'approved_by_admin', 'title', 'is_docker_based', 'remote_evaluation', 'created_at');
  const ops: fc.Arbitrary<TransformOp> = fc.oneof(
    { arbitrary: rec({ op: fc.constant('wrong-type' as const), victim, field, value: fc.constantFrom('wrong-type' as const, 'missing' as const) }), weight: 4 },
    { arbitrary: rec({ op: fc.constant('null-end-date' as const), victim }), weight: 1 },
    { arbitrary: rec({ op: fc.constant('duplicate' as const), victim }), weight: 2 },
    { arbitrary: fc.constant({ op: 'bad-envelope' as const }), weight: 1 },
  );
  const fault = fc.oneof(
    { arbitrary: terminalFaultArb({ tokenRejected: true }), weight: 3 },
    { arbitrary: transformArb(ops), weight: 4 },
    { arbitrary: rec({ kind: fc.constant('foreign-next' as const), to: fc.constantFrom('foreign' as const, 'trap' as const) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'looping-next' as const }), weight: 1 },
  );
  return rec<FaultSpec>({ at: fc.constant('list' as const), fault, skip: skipArb, times: timesArb });
}

export const badCountArb: fc.Arbitrary<TransformOp> = rec({
  op: fc.constant('bad-count' as const),
  status: fc.constantFrom('running' as const, 'submitted' as const, 'queued' as const, 'resuming' as const),
  value: fc.constantFrom('negative' as const, 'huge' as const, 'fraction' as const, 'string' as const, 'null' as const),
});

/** Faults of one challenge's submission metrics (GET metrics by pk). */
export function metricsFaultArb(ids: readonly number[]): fc.Arbitrary<FaultSpec> {
  const ops: fc.Arbitrary<TransformOp> = fc.oneof({ arbitrary: badCountArb, weight: 4 }, { arbitrary: fc.constant({ op: 'not-object' as const }), weight: 1 });
  return faultAt('metrics', ids, fc.oneof({ arbitrary: terminalFaultArb(), weight: 3 }, { arbitrary: transformArb(ops), weight: 3 }), fc.constant(0));
}

/** A `wrong-type` transform of the answer about `id` itself (by pk, autoscale_meta, a submission). */
export function wrongTypeOf(at: Endpoint, ids: readonly number[], fields: readonly string[]): fc.Arbitrary<FaultSpec> {
  return fc
    .tuple(fc.constantFrom(...ids), fc.constantFrom(...fields), fc.constantFrom('wrong-type' as const, 'missing' as const), timesArb)
    .map(([id, field, value, times]) => ({ at, id, fault: { kind: 'transform' as const, op: 'wrong-type' as const, victim: id, field, value }, skip: 0, times }));
}

/** The view acted, then the answer was lost or spoilt. */
export const afterViewArb: fc.Arbitrary<HttpFault> = rec({
  kind: fc.constant('after-view' as const),
  answer: fc.constantFrom('reset' as const, 'hang' as const, 'server-error' as const, 'html' as const, 'truncated' as const),
});

/**
 * Faults of a mutating endpoint: the request may or may not reach the view, or the view acts and
 * its answer is lost (a retry would then act twice: invariant 3).
 */
export function mutationFaultArb(at: 'manage_worker' | 'manage_ec2' | 'update_submission', ids: readonly number[]): fc.Arbitrary<FaultSpec> {
  return faultAt(
    at,
    ids,
    fc.oneof(
      { arbitrary: terminalFaultArb(), weight: 4 },
      { arbitrary: afterViewArb, weight: 2 },
      { arbitrary: transformArb(fc.constant({ op: 'garble' as const })), weight: 1 },
    ),
  );
}

/** Faults that hit every endpoint: an outage, latency, throttling everywhere. */
export function anyFaultArb(): fc.Arbitrary<FaultSpec> {
  return rec<FaultSpec>({ at: fc.constant('any' as const), fault: terminalFaultArb({ hang: false, tokenRejected: true }), skip: fc.integer({ min: 0, max: 12 }), times: timesArb });
}

/** An AWS error for one call of one challenge. */
export function awsFaultArb(ops: readonly AwsOp[], ids: readonly number[], errors: readonly AwsErrorKind[]): fc.Arbitrary<AwsFaultSpec> {
  return rec<AwsFaultSpec>({
    op: fc.constantFrom(...ops),
    id: fc.constantFrom(...ids),
    error: fc.constantFrom(...errors),
    skip: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.constant(1), weight: 1 }),
    times: timesArb,
    echo: fc.boolean(),
  });
}

export const commonKnobsArb = (ids: readonly number[]): fc.Arbitrary<CommonKnobs> =>
  rec<CommonKnobs>(
    {
      concurrency: fc.integer({ min: 1, max: 4 }),
      retries: fc.integer({ min: 0, max: 2 }),
      json: fc.boolean(),
      logLevel: fc.constantFrom('info' as const, 'debug' as const),
      dryRun: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
      maxActions: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: fc.integer({ min: 0, max: 2 }), weight: 1 }),
      only: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 8 },
        { arbitrary: fc.uniqueArray(fc.constantFrom(...ids, 9999), { minLength: 1, maxLength: 3 }), weight: 1 },
      ),
      deadline: fc.oneof({ arbitrary: fc.constant('30s' as const), weight: 30 }, { arbitrary: fc.constant('1ms' as const), weight: 1 }),
    },
    ['concurrency', 'retries', 'json', 'logLevel', 'dryRun', 'deadline'],
  );

/** The flags of the common knobs, as a cron line would pass them. */
export function commonFlags(k: CommonKnobs): string[] {
  const flags = ['--timeout', '100ms', '--rate-limit', '60', '--concurrency', String(k.concurrency), '--retries', String(k.retries), '--deadline', k.deadline, '--log-level', k.logLevel];
  if (k.json) flags.push('--json');
  if (k.dryRun) flags.push('--dry-run');
  if (k.maxActions !== undefined) flags.push('--max-actions', String(k.maxActions));
  if (k.only) flags.push('--challenge', k.only.join(','));
  return flags;
}

/**
 * The fault mix of the commands that read the list and the metrics and then call manage_worker
 * (scale-workers, stop-idle): up to five faults at those endpoints, and now and then anywhere.
 */
export function manageWorkerFaultsArb(listed: readonly number[]): fc.Arbitrary<FaultSpec[]> {
  return fc.array(
    fc.oneof(
      { arbitrary: listFaultArb(listed), weight: 3 },
      { arbitrary: metricsFaultArb(listed), weight: 3 },
      { arbitrary: mutationFaultArb('manage_worker', listed), weight: 2 },
      { arbitrary: anyFaultArb(), weight: 1 },
    ) as fc.Arbitrary<FaultSpec>,
    { maxLength: 5 },
  );
}
