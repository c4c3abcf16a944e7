/** Submission metrics: bulk (§2.4, no trailing slash) and by pk (§2.5); staff only, 403 otherwise. */
import { getChallengeOr404, isStaff, submissionsOfChallenge } from '../access.js';
import { errorReply, jsonReply, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';
import { SUBMISSION_STATUSES, type SandboxState } from '../state.js';

/** One GROUP BY status, then `setdefault(s, 0)` for every STATUS_OPTIONS value. */
export function statusCounts(state: SandboxState, challengeId: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of submissionsOfChallenge(state, challengeId)) counts[s.status] = (counts[s.status] ?? 0) + 1;
  for (const status of SUBMISSION_STATUSES) counts[status] ??= 0;
  return counts;
}

function requireStaff(ctx: ViewContext): void {
  if (!isStaff(ctx.user)) throw errorReply(403, 'Sorry, you are not authorized to make this request');
}

function bulkMetrics(ctx: ViewContext): Reply {
  requireStaff(ctx);
  const out: Record<string, Record<string, number>> = {};
  const ids = [...ctx.state.challenges.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    const counts = statusCounts(ctx.state, id);
    out[String(id)] = Object.fromEntries(SUBMISSION_STATUSES.map((s) => [s, counts[s] ?? 0]));
  }
  return jsonReply(200, out);
}

function metricsByPk(ctx: ViewContext): Reply {
  requireStaff(ctx);
  const challenge = getChallengeOr404(ctx.state, ctx.params.pk!);
  return jsonReply(200, statusCounts(ctx.state, challenge.id));
}

export const metricsRoutes: RouteDef[] = [
  {
    name: 'get_all_challenges_submission_metrics',
    pattern: /^\/api\/challenges\/challenge\/get_submission_metrics$/,
    methods: ['GET'],
    auth: 'public',
    throttle: 'anon',
    view: bulkMetrics,
  },
  {
    name: 'get_challenge_submission_metrics_by_pk',
    pattern: /^\/api\/challenges\/challenge\/get_submission_metrics_by_pk\/(?<pk>[0-9]+)\/$/,
    methods: ['GET'],
    auth: 'public',
    throttle: 'anon',
    view: metricsByPk,
  },
];
