import { z } from '../runtime/zod.js';
import type { DateTime } from 'luxon';
import { pendingFromMetrics, type PendingCount } from '../core/pending.js';
import { EvalAIError, isEvalAIError } from './errors.js';
import { paths } from './paths.js';
import type { Transport } from './transport.js';
import { evalaiDateTime, validate } from './validate.js';

/**
 * The Lambda-auth endpoints (contract §2.6, §2.15): `Authorization: Bearer <LAMBDA_AUTH_TOKEN>`, a
 * shared secret, not a user token. They are throttled per client IP (60/min), so they go through the
 * run's pacer. Each call names the token explicitly.
 */

export interface AutoscaleMeta {
  challengeId: number;
  isDockerBased: boolean;
  remoteEvaluation: boolean;
  /** null: no end date. `+00:00` offset, not `Z` (contract §1.5). */
  endDate: DateTime | null;
  clusterName: string | null;
  /** The nodegroup recorded when it was created; null when not recorded. */
  nodegroupName: string | null;
  isDisabled: boolean;
  awsRegion: string | null;
  useHostCredentials: boolean;
  awsAccountId: string | null;
  /** max_worker_instance or 1. */
  scaleUpCap: number;
}

const blankToNull = (v: string | null | undefined) => (v === undefined || v === null || v.trim() === '' ? null : v.trim());

const metaSchema = z.object({
  challenge_pk: z.number().int().positive(),
  is_docker_based: z.boolean(),
  remote_evaluation: z.boolean(),
  end_date: evalaiDateTime.nullable(),
  cluster_name: z.string().nullable().optional().transform(blankToNull),
  nodegroup_name: z.string().nullable().optional().transform(blankToNull),
  is_disabled: z.boolean(),
  aws_region: z.string().nullable().optional().transform(blankToNull),
  use_host_credentials: z.boolean().optional().default(false),
  aws_account_id: z.union([z.string(), z.number().int()]).nullable().optional().transform((v) => blankToNull(v === undefined || v === null ? v : String(v))),
  scale_up_cap: z.number().int().min(1),
});

const eligibleSchema = z.object({
  challenge_pks: z.array(z.number().int().positive()),
  count: z.number().int().min(0).optional(),
});

const pendingSchema = z.object({
  challenge_pk: z.number().int().positive().optional(),
  pending_submissions: z.number().int().min(0),
  status_counts: z.record(z.string(), z.unknown()),
});

/**
 * A Lambda-auth call. The server answers a token other than its LAMBDA_AUTH_TOKEN with 403
 * `{"error": "Invalid auth token."}` (contract §1.2): every other call would be refused the same
 * way, so that is the run's token rejected (exit 3), said in those words.
 */
async function lambdaRequest(transport: Transport, spec: Parameters<Transport['request']>[0]) {
  try {
    return await transport.request(spec);
  } catch (err) {
    if (isEvalAIError(err) && err.status === 403 && /invalid auth token/i.test(err.message)) {
      throw new EvalAIError(
        'token-rejected',
        err.endpoint,
        'EvalAI rejected LAMBDA_AUTH_TOKEN (HTTP 403 "Invalid auth token."): it must equal the LAMBDA_AUTH_TOKEN setting of the EvalAI server; update LAMBDA_AUTH_TOKEN or LAMBDA_AUTH_TOKEN_FILE',
        403,
      );
    }
    throw err;
  }
}

/** GET autoscale_eligible_challenges/: docker-based, not remote, approved, with a cluster, not long ended. */
export async function getAutoscaleEligibleChallenges(transport: Transport, token: string): Promise<number[]> {
  const endpoint = 'autoscale_eligible_challenges';
  const res = await lambdaRequest(transport, { method: 'GET', path: paths.autoscaleEligibleChallenges(), endpoint, token, throttled: true });
  const body = validate(eligibleSchema, res.body, endpoint);
  return [...new Set(body.challenge_pks)];
}

/** GET challenge/{pk}/autoscale_meta/. */
export async function getAutoscaleMeta(transport: Transport, pk: number, token: string): Promise<AutoscaleMeta> {
  const endpoint = `autoscale_meta of challenge ${pk}`;
  const res = await lambdaRequest(transport, { method: 'GET', path: paths.autoscaleMeta(pk), endpoint, token, throttled: true });
  const m = validate(metaSchema, res.body, endpoint);
  if (m.challenge_pk !== pk) {
    throw new EvalAIError('malformed-response', endpoint, `malformed response: challenge_pk is ${m.challenge_pk}, asked for ${pk}`);
  }
  return {
    challengeId: m.challenge_pk,
    isDockerBased: m.is_docker_based,
    remoteEvaluation: m.remote_evaluation,
    endDate: m.end_date,
    clusterName: m.cluster_name,
    nodegroupName: m.nodegroup_name,
    isDisabled: m.is_disabled,
    awsRegion: m.aws_region,
    useHostCredentials: m.use_host_credentials,
    awsAccountId: m.aws_account_id,
    scaleUpCap: m.scale_up_cap,
  };
}

/**
 * GET challenge/{pk}/pending_submission_count/. The total is recomputed from `status_counts` by the
 * one pending calculator; a server total that disagrees makes the answer untrustworthy.
 */
export async function getPendingSubmissionCount(transport: Transport, pk: number, token: string): Promise<PendingCount> {
  const endpoint = `pending_submission_count of challenge ${pk}`;
  const res = await lambdaRequest(transport, { method: 'GET', path: paths.pendingSubmissionCount(pk), endpoint, token, throttled: true });
  const body = validate(pendingSchema, res.body, endpoint);
  const result = pendingFromMetrics(body.status_counts);
  if (!result.ok) throw new EvalAIError('malformed-response', endpoint, `malformed response: status_counts: ${result.problem}`);
  if (result.pending.total !== body.pending_submissions) {
    throw new EvalAIError(
      'malformed-response',
      endpoint,
      `malformed response: pending_submissions is ${body.pending_submissions} but status_counts add up to ${result.pending.total}`,
    );
  }
  return result.pending;
}
