import pLimit from 'p-limit';
import { logOutcome } from '../../core/log-outcome.js';
import { failedOutcome, type Outcome } from '../../core/outcome.js';
import type { ChallengeRunResult } from '../../core/run-challenges.js';
import type { RunContext } from '../../runtime/context.js';
import { describeError } from '../../runtime/errors.js';
import { AwsClients } from '../../aws/clients.js';
import { getAutoscaleEligibleChallenges } from '../../evalai/autoscale.js';
import { isRunFatal } from '../../evalai/errors.js';
import { actOnNodegroup } from './act.js';
import { loadEksConfigFile } from './config-file.js';
import { decideNodegroup } from './decide.js';
import { observeFromEntry, observeFromMeta, observeNodegroup, type EksEnv, type Observed } from './observe.js';
import type { ScaleEksPolicy } from './policy.js';

/** What brings nodes up from 0, and what scales them to 0 (for the history). */
const EKS_ACTIONS = { start: ['scale-up'], stop: ['scale-down'] };

export interface ScaleEksDeps {
  /** The AWS clients factory (tests pass one; otherwise one is built for the run). */
  aws?: AwsClients;
}

/**
 * scale-eks: the challenges come from the config file or from autoscale_eligible_challenges; for
 * each, observe (EvalAI, then the nodegroup in EKS), decide (pure), act (UpdateNodegroupConfig),
 * report. A broken config entry or one challenge's failure never stops the others.
 */
export async function runScaleEks(ctx: RunContext, policy: ScaleEksPolicy, deps: ScaleEksDeps = {}): Promise<ChallengeRunResult> {
  const aws = deps.aws ?? new AwsClients({ secrets: ctx.secrets, timeoutMs: policy.awsTimeoutMs });
  const env: EksEnv = { ctx, policy, aws, now: ctx.now(), roles: new Map() };
  try {
    if (policy.source.kind === 'file') {
      const file = loadEksConfigFile(policy.source.path, ctx.secrets);
      for (const w of file.warnings) ctx.logger.warn(w);
      ctx.logger.info({ file: file.path, entries: file.entries.length, broken: file.broken.length }, 'config file read');
      if (file.entries.length === 0 && file.broken.length === 0) ctx.logger.warn(`the EKS config file ${file.path} lists no challenge: nothing to scale`);
      const preset = file.broken
        .filter((b) => !ctx.only || (b.challengeId !== null && ctx.only.has(b.challengeId)))
        .map((b) => failedOutcome({ id: b.challengeId }, 'config entry invalid: skipped', b.problem));
      for (const o of preset) ctx.logger.error({ challenge: o.challengeId, error: o.error }, 'config entry invalid');
      const targets = file.entries.map((entry) => ({ id: entry.challengeId, observe: () => observeFromEntry(env, entry) }));
      return await runTargets(env, targets, preset, 'not in the config file');
    }
    const token = policy.source.token;
    let pks: number[];
    try {
      pks = await getAutoscaleEligibleChallenges(ctx.transport, token);
    } catch (err) {
      return { outcomes: [], entriesRead: 0, ...(isRunFatal(err) ? { fatal: err } : { sourceError: err }) };
    }
    ctx.logger.info({ eligible: pks.length }, 'autoscale-eligible challenges read');
    const targets = pks.map((pk) => ({ id: pk, observe: () => observeFromMeta(env, pk, token) }));
    return await runTargets(env, targets, [], 'not in autoscale_eligible_challenges');
  } finally {
    if (!deps.aws) aws.destroy();
  }
}

interface Target {
  id: number;
  observe: () => Promise<Observed>;
}

/**
 * Runs the targets a few at a time, as runOverChallenges does for the challenge list: one target's
 * failure never stops the others; a rejected run token stops everything.
 */
async function runTargets(env: EksEnv, all: Target[], preset: Outcome[], missing: string): Promise<ChallengeRunResult> {
  const { ctx } = env;
  const only = ctx.only;
  const targets = only ? all.filter((t) => only.has(t.id)) : all;
  const limit = pLimit(ctx.concurrency);
  const outcomes: Outcome[] = [...preset];
  let fatal: unknown;
  let notReached = 0;

  await Promise.all(
    targets.map((t) =>
      limit(async () => {
        if (fatal) return;
        if (ctx.deadline.expired()) {
          notReached++;
          return;
        }
        try {
          const outcome = await handle(env, t);
          outcomes.push(outcome);
          logOutcome(ctx.logger, outcome);
        } catch (err) {
          if (isRunFatal(err)) {
            // Queued targets see `fatal` and return at once (clearing p-limit's queue instead would
            // leave their promises unsettled forever).
            fatal ??= err;
            return;
          }
          const outcome = failedOutcome({ id: t.id }, 'unexpected error', describeError(err));
          outcomes.push(outcome);
          ctx.logger.error({ challenge: t.id, error: outcome.error }, 'challenge failed');
        }
      }),
    ),
  );

  if (notReached) ctx.logger.warn({ notReached }, 'deadline passed: no new challenge was started after it');
  if (only && !fatal && !notReached) {
    const known = new Set([...all.map((t) => t.id), ...preset.map((o) => o.challengeId)]);
    for (const id of only) {
      if (!known.has(id)) outcomes.push(failedOutcome({ id }, missing, `challenge ${id} is ${missing}`));
    }
  }
  outcomes.sort((a, b) => b.challengeId - a.challengeId);
  return { outcomes, entriesRead: all.length + preset.length, ...(fatal ? { fatal } : {}), ...(notReached ? { deadlineReached: true, notReached } : {}) };
}

async function handle(env: EksEnv, t: Target): Promise<Outcome> {
  const observed = await t.observe();
  if ('outcome' in observed) return observed.outcome;
  const target = observed.target;
  const ng = await observeNodegroup(env, target);
  if (!ng.ok) {
    return { challengeId: target.challengeId, title: target.title, action: 'none', reason: ng.reason, status: 'failed', error: ng.error, facts: { ...target.facts, pending: target.pending } };
  }
  const history = env.ctx.history;
  const decision = decideNodegroup(
    {
      pending: target.pending,
      ended: target.ended,
      disabled: target.disabled,
      nodegroup: ng.nodegroup.nodegroupName,
      status: ng.nodegroup.status,
      current: ng.nodegroup.scaling,
    },
    target.caps,
    history ? { policy: env.policy, memory: history.recall(target.challengeId), now: env.now } : undefined,
  );
  const outcome = await actOnNodegroup(env, target, ng.nodegroup, decision);
  history?.note(target.challengeId, { pending: target.pending, capacityUp: ng.nodegroup.scaling.desiredSize > 0 }, outcome, EKS_ACTIONS, env.now);
  return outcome;
}
