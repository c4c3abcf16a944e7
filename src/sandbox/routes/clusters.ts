/**
 * EKS cluster endpoints for docker-based challenges, host only (staff refused):
 * `evaluation_cluster` (§2.10) and `eks_bearer_token` (§2.13).
 */
import { createHash } from 'node:crypto';
import { getChallengeOr404, isHostOf } from '../access.js';
import { errorReply, jsonReply, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';
import { serializeCluster } from '../serializers.js';
import type { SandboxChallenge, SandboxCluster } from '../state.js';

function clusterOf(challenge: SandboxChallenge, dockerMessage: string): SandboxCluster {
  if (!challenge.is_docker_based) throw errorReply(400, dockerMessage);
  if (!challenge.cluster) {
    throw errorReply(404, `Challenge evaluation cluster for the challenge with pk ${challenge.id} does not exist`);
  }
  return challenge.cluster;
}

function evaluationCluster(ctx: ViewContext): Reply {
  const challenge = getChallengeOr404(ctx.state, ctx.params.pk!);
  if (!isHostOf(ctx.user, challenge)) {
    throw errorReply(400, 'Sorry, you are not authorized to access evaluation cluster details.');
  }
  const cluster = clusterOf(
    challenge,
    "The challenge doesn't require uploading Docker images, hence no evaluation cluster details.",
  );
  return jsonReply(200, serializeCluster(cluster, challenge.id));
}

/** An STS GetCallerIdentity URL presigned for 60 s, base64url without padding (aws-iam-authenticator format). */
function bearerToken(cluster: SandboxCluster, region: string, now: Date): string {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const signature = createHash('sha256').update(`${cluster.name}|${amzDate}`).digest('hex');
  const url =
    `https://sts.${region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15` +
    `&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASANDBOXEXAMPLE%2F${amzDate.slice(0, 8)}%2F${region}%2Fsts%2Faws4_request` +
    `&X-Amz-Date=${amzDate}&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=${signature}`;
  return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
}

function eksBearerToken(ctx: ViewContext): Reply {
  const challenge = getChallengeOr404(ctx.state, ctx.params.pk!);
  if (!isHostOf(ctx.user, challenge)) throw errorReply(400, 'Sorry, you are not authorized to make this request!');
  const cluster = clusterOf(
    challenge,
    "The challenge doesn't require uploading Docker images, hence there isn't a need for bearer token.",
  );
  return jsonReply(200, {
    aws_eks_bearer_token: bearerToken(cluster, challenge.aws_region, ctx.now),
    cluster_name: cluster.name,
  });
}

export const clusterRoutes: RouteDef[] = [
  {
    name: 'get_challenge_evaluation_cluster_details',
    pattern: /^\/api\/challenges\/(?<pk>[0-9]+)\/evaluation_cluster\/$/,
    methods: ['GET'],
    auth: 'user',
    throttle: 'user',
    view: evaluationCluster,
  },
  {
    name: 'get_bearer_token',
    pattern: /^\/api\/jobs\/challenge\/(?<pk>[0-9]+)\/eks_bearer_token\/$/,
    methods: ['GET'],
    auth: 'user',
    throttle: 'user',
    view: eksBearerToken,
  },
];
