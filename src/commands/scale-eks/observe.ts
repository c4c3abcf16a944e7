import type { DateTime } from 'luxon';
import type { AwsClients, AwsCredentials } from '../../aws/clients.js';
import { describeNodegroup, listNodegroups, type NodegroupInfo } from '../../aws/eks.js';
import { isAwsError } from '../../aws/errors.js';
import { assumeRole, crossAccountRoleArn } from '../../aws/sts.js';
import type { Challenge } from '../../core/challenge.js';
import { hasEnded } from '../../core/datetime.js';
import type { Outcome } from '../../core/outcome.js';
import { describePending, type Pending } from '../../core/pending.js';
import type { RunContext } from '../../runtime/context.js';
import { describeError } from '../../runtime/errors.js';
import { getAutoscaleMeta, getPendingSubmissionCount } from '../../evalai/autoscale.js';
import { getChallengeByPk } from '../../evalai/challenge-by-pk.js';
import { EvalAIError, isEvalAIError, isRunFatal } from '../../evalai/errors.js';
import { getEvaluationCluster } from '../../evalai/evaluation-cluster.js';
import { getPendingSubmissions } from '../../evalai/metrics.js';
import type { EksConfigEntry } from './config-file.js';
import { chooseNodegroup, eksScope } from './decide.js';
import type { EksCaps, ScaleEksPolicy } from './policy.js';

/** What observing and acting need for the whole run. */
export interface EksEnv {
  ctx: RunContext;
  policy: ScaleEksPolicy;
  aws: AwsClients;
  now: DateTime;
  /** Assumed-role credentials by role and region, shared by the challenges of one host account. */
  roles: Map<string, Promise<AwsCredentials>>;
}

/** A challenge whose nodegroup is to be looked at: everything known from EvalAI and the config. */
export interface NodegroupTarget {
  challengeId: number;
  title?: string;
  ended: boolean;
  disabled: boolean;
  pending: Pending;
  caps: EksCaps;
  clusterName: string;
  /** Recorded (autoscale_meta) or configured (nodegroup_name); null: ask ListNodegroups. */
  namedNodegroup: string | null;
  /** undefined: the SDK's own region (AWS_REGION, ~/.aws/config). */
  region: string | undefined;
  credentials: AwsCredentials;
  /** Published with the outcome: where the numbers and credentials came from (never a key). */
  facts: Record<string, unknown>;
}

/** Either a target to look at in EKS, or an outcome already (skipped, or failed to observe). */
export type Observed = { target: NodegroupTarget } | { outcome: Outcome };

const failed = (challengeId: number, title: string | undefined, reason: string, error: string, facts?: Record<string, unknown>): Observed => ({
  outcome: { challengeId, title, action: 'none', reason, status: 'failed', error, ...(facts ? { facts } : {}) },
});

/**
 * Config-file mode, as auto_scale_eks_nodes.py: the entry's host token reads the challenge and its
 * evaluation_cluster (host only), the run's staff token reads the metrics. A challenge EvalAI says
 * was removed is treated as disabled; its pending count is read all the same (metrics by pk count
 * disabled challenges), so its nodes drain instead of being scaled away under running evaluations.
 */
export async function observeFromEntry(env: EksEnv, entry: EksConfigEntry): Promise<Observed> {
  const { ctx, policy } = env;
  const id = entry.challengeId;
  let challenge: Challenge | null = null;
  let disabled = false;
  try {
    challenge = await asHost(entry, () => getChallengeByPk(ctx.transport, id, entry.authToken));
  } catch (err) {
    if (isRunFatal(err)) throw err;
    if (isEvalAIError(err, 'not-found') && /was removed/i.test(err.message)) {
      disabled = true;
    } else {
      return failed(id, undefined, 'the challenge could not be read with the entry\'s auth_token', describeError(err));
    }
  }
  const title = challenge?.title;
  if (challenge) {
    const skip = eksScope(challenge);
    if (skip) return { outcome: { challengeId: id, title, action: skip.action, reason: skip.reason, status: 'skipped' } };
  }

  let pending: Pending;
  try {
    const count = await getPendingSubmissions(ctx.transport, id);
    pending = count.total;
    ctx.logger.debug({ challenge: id, pending: count.byStatus }, describePending(count));
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return failed(id, title, 'pending submissions unknown: nothing done', describeError(err));
  }

  let clusterName: string;
  try {
    clusterName = (await asHost(entry, () => getEvaluationCluster(ctx.transport, id, entry.authToken))).name;
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return failed(id, title, 'the evaluation cluster could not be read with the entry\'s auth_token', describeError(err), { pending });
  }

  const keys = entry.awsKeys;
  const credentials: AwsCredentials =
    keys?.accessKeyId && keys.secretAccessKey
      ? { kind: 'static', accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey, sessionToken: keys.sessionToken, source: `config entry "${entry.key}"` }
      : policy.defaultCredentials;
  const region = keys?.region ?? policy.defaultRegion;
  return {
    target: {
      challengeId: id,
      title,
      ended: challenge ? hasEnded(challenge.endDate, env.now) : false,
      disabled,
      pending,
      caps: { desiredCap: entry.scaleUpDesiredSize, maxSize: entry.maxSize ?? entry.scaleUpDesiredSize },
      clusterName,
      namedNodegroup: entry.nodegroupName ?? null,
      region,
      credentials,
      facts: { source: `config entry "${entry.key}"`, cluster: clusterName, region: region ?? '(SDK default)', credentials: describeCredentials(credentials) },
    },
  };
}

/** The region upstream's Lambda falls back to when neither autoscale_meta nor the operator names one. */
export const LAMBDA_DEFAULT_REGION = 'us-east-1';

/**
 * LAMBDA_AUTH_TOKEN mode, as auto_scale_eks_nodes_lambda.py: autoscale_meta and
 * pending_submission_count; a challenge on the host's AWS account is reached by assuming the
 * cross-account role there.
 */
export async function observeFromMeta(env: EksEnv, pk: number, token: string): Promise<Observed> {
  const { ctx, policy } = env;
  let meta;
  try {
    meta = await getAutoscaleMeta(ctx.transport, pk, token);
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return failed(pk, undefined, 'autoscale_meta could not be read', describeError(err));
  }
  const skip = eksScope(meta);
  if (skip) return { outcome: { challengeId: pk, action: skip.action, reason: skip.reason, status: 'skipped' } };
  const clusterName = meta.clusterName!;

  // Read for a disabled challenge too: it drains like an ended one.
  let pending: Pending;
  try {
    const count = await getPendingSubmissionCount(ctx.transport, pk, token);
    pending = count.total;
    ctx.logger.debug({ challenge: pk, pending: count.byStatus }, describePending(count));
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return failed(pk, undefined, 'pending submissions unknown: nothing done', describeError(err));
  }

  const region = meta.awsRegion ?? policy.defaultRegion ?? LAMBDA_DEFAULT_REGION;
  let credentials = policy.defaultCredentials;
  if (meta.useHostCredentials) {
    if (!meta.awsAccountId) {
      return failed(
        pk,
        undefined,
        'the cluster is in the host\'s AWS account but autoscale_meta gives no aws_account_id',
        'cannot assume the cross-account role without the account id (set aws_account_id on the challenge); this account\'s credentials would only get AccessDenied there',
        { pending, cluster: clusterName },
      );
    }
    const roleArn = crossAccountRoleArn(meta.awsAccountId, policy.crossAccountRoleName);
    try {
      credentials = await assumeRoleOnce(env, roleArn, region);
    } catch (err) {
      if (isRunFatal(err)) throw err;
      return failed(pk, undefined, `the cross-account role ${roleArn} could not be assumed`, describeError(err), { pending, cluster: clusterName });
    }
  }
  return {
    target: {
      challengeId: pk,
      ended: hasEnded(meta.endDate, env.now),
      disabled: meta.isDisabled,
      pending,
      caps: { desiredCap: meta.scaleUpCap, maxSize: meta.scaleUpCap },
      clusterName,
      namedNodegroup: meta.nodegroupName,
      region,
      credentials,
      facts: { source: 'autoscale_meta', cluster: clusterName, region, credentials: describeCredentials(credentials) },
    },
  };
}

/** The nodegroup of a target, named or the cluster's only one, and its current scaling. */
export async function observeNodegroup(env: EksEnv, t: NodegroupTarget): Promise<{ ok: true; nodegroup: NodegroupInfo; how: string } | { ok: false; reason: string; error: string }> {
  const eks = env.aws.eks(t.region, t.credentials);
  try {
    const listed = t.namedNodegroup ? [] : await listNodegroups(eks, t.clusterName);
    const choice = chooseNodegroup(t.clusterName, t.namedNodegroup, listed);
    if (!choice.ok) return { ok: false, reason: 'no nodegroup to scale', error: choice.reason };
    return { ok: true, nodegroup: await describeNodegroup(eks, t.clusterName, choice.name), how: choice.how };
  } catch (err) {
    if (isRunFatal(err)) throw err;
    return { ok: false, reason: 'the nodegroup could not be read', error: isAwsError(err) ? err.message : describeError(err) };
  }
}

function assumeRoleOnce(env: EksEnv, roleArn: string, region: string): Promise<AwsCredentials> {
  const key = `${roleArn}|${region}`;
  let pending = env.roles.get(key);
  if (!pending) {
    pending = assumeRole(env.aws.sts(region, env.policy.defaultCredentials), roleArn).then((c) => {
      env.ctx.secrets.add(c.accessKeyId);
      env.ctx.secrets.add(c.secretAccessKey);
      env.ctx.secrets.add(c.sessionToken);
      return c;
    });
    env.roles.set(key, pending);
  }
  return pending;
}

/**
 * A call with an entry's host token: a rejected host token is that entry's problem, not the run's
 * (the transport would call it fatal, which is right only for the run's own token).
 */
async function asHost<T>(entry: EksConfigEntry, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isEvalAIError(err, 'token-rejected')) {
      throw new EvalAIError('not-authorised', err.endpoint, `EvalAI rejected the auth_token of config entry "${entry.key}" (HTTP ${err.status ?? 401}): put a fresh host token in the config file`, err.status);
    }
    throw err;
  }
}

export function describeCredentials(c: AwsCredentials): string {
  return c.kind === 'default' ? 'default chain' : c.source;
}
