/** Challenge reads: the paginated list (§2.1), by pk (§2.2) and the phase list (Appendix A). */
import { isHostOf } from '../access.js';
import { absoluteUri, envelope, paginate } from '../pagination.js';
import { errorReply, jsonReply, type Reply } from '../reply.js';
import type { RouteDef, ViewContext } from '../route.js';
import { serializeChallenge, serializePhase } from '../serializers.js';
import type { SandboxChallenge } from '../state.js';

type ChallengeFilter = (c: SandboxChallenge) => boolean;

function timeFilter(time: string, now: Date): ChallengeFilter {
  switch (time) {
    case 'past':
      return (c) => !!c.end_date && c.end_date < now;
    case 'present':
      return (c) => !!c.start_date && !!c.end_date && c.start_date <= now && now <= c.end_date;
    case 'future':
      return (c) => !!c.start_date && c.start_date > now;
    default:
      return () => true;
  }
}

function listChallenges(ctx: ViewContext): Reply {
  const time = ctx.params.time!.toLowerCase();
  const approved = ctx.params.approved!.toLowerCase();
  const published = ctx.params.published!.toLowerCase();
  if (!['all', 'future', 'past', 'present'].includes(time)) throw errorReply(406, 'Wrong url pattern!');
  if (!['all', 'approved', 'unapproved'].includes(approved)) throw errorReply(406, 'Wrong challenge approval status!');
  if (!['all', 'public', 'private'].includes(published)) throw errorReply(406, 'Wrong challenge published status!');

  const byTime = timeFilter(time, ctx.now);
  const challenges = [...ctx.state.challenges.values()]
    .filter((c) => !c.is_disabled)
    .filter(byTime)
    .filter((c) => approved === 'all' || c.approved_by_admin === (approved === 'approved'))
    .filter((c) => published === 'all' || c.published === (published === 'public'))
    .sort((a, b) => b.id - a.id);
  const page = paginate(challenges, ctx.config.pageSize, ctx.req.query.page);
  const results = page.items.map((c) => serializeChallenge(c, ctx.state, ctx.now));
  return jsonReply(200, envelope(page, results, absoluteUri(ctx.req, ctx.config.fallbackHost)));
}

function challengeByPk(ctx: ViewContext): Reply {
  const challenge = ctx.state.challenges.get(Number(ctx.params.pk));
  const visible = challenge && (isHostOf(ctx.user, challenge) || (challenge.approved_by_admin && challenge.published));
  if (!challenge || !visible) throw errorReply(406, 'Challenge does not exist!');
  if (challenge.is_disabled) throw errorReply(406, 'Sorry, the challenge was removed!');
  return jsonReply(200, serializeChallenge(challenge, ctx.state, ctx.now));
}

function challengePhaseList(ctx: ViewContext): Reply {
  const pk = Number(ctx.params.pk);
  if (!ctx.state.challenges.has(pk)) throw errorReply(406, 'Challenge does not exist');
  const phases = [...ctx.state.phases.values()].filter((p) => p.challenge === pk).sort((a, b) => a.id - b.id);
  const page = paginate(phases, ctx.config.pageSize, ctx.req.query.page);
  return jsonReply(200, envelope(page, page.items.map(serializePhase), absoluteUri(ctx.req, ctx.config.fallbackHost)));
}

export const challengeRoutes: RouteDef[] = [
  {
    name: 'get_all_challenges',
    pattern: /^\/api\/challenges\/challenge\/(?<time>[A-Za-z]+)\/(?<approved>[A-Za-z]+)\/(?<published>[A-Za-z]+)$/,
    methods: ['GET'],
    auth: 'public',
    throttle: 'anon',
    view: listChallenges,
  },
  {
    name: 'get_challenge_by_pk',
    pattern: /^\/api\/challenges\/challenge\/(?<pk>[0-9]+)\/$/,
    methods: ['GET'],
    auth: 'public',
    throttle: 'anon',
    view: challengeByPk,
  },
  {
    name: 'challenge_phase_list',
    pattern: /^\/api\/challenges\/challenge\/(?<pk>[0-9]+)\/challenge_phase$/,
    methods: ['GET'],
    auth: 'public',
    throttle: 'anon',
    view: challengePhaseList,
  },
];
