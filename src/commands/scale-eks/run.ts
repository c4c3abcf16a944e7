import { whenSettled, type Handled } from '../../core/deferred.js';
import type { ChallengeRunResult } from '../../core/run-challenges.js';
import { runOverTargets, type TargetEntry } from '../../core/run-targets.js';
import type { RunContext } from '../../runtime/context.js';
import { AwsClients } from '../../aws/clients.js';
import { getAutoscaleEligibleChallenges } from '../../evalai/autoscale.js';
import { actOnNodegroup } from './act.js';
import { loadEksConfigFile, type EksConfigFile } from './config-file.js';
import { decideNodegroup } from './decide.js';
import { observeFromEntry, observeFromMeta, observeNodegroup, type EksEnv, type Observed } from './observe.js';
import type { ScaleEksPolicy } from './policy.js';

/** What brings nodes up from 0, and what scales them to 0 (for the history). */
const EKS_ACTIONS = { start: ['scale-up'], stop: ['scale-down'] };

export interface ScaleEksDeps {
  /** The AWS clients factory (tests pass one; otherwise one is built for the run). */
  aws?: AwsClients;
  /** File mode: the config file as the settings loader read it before the lock (else read here). */
  file?: EksConfigFile;
}

/**
 * scale-eks: the challenges come from the config file or from autoscale_eligible_challenges; for
 * each, observe (EvalAI, then the nodegroup in EKS), decide (pure), act (UpdateNodegroupConfig),
 * report. A broken config entry or one challenge's failure never stops the others.
 */
export async function runScaleEks(ctx: RunContext, policy: ScaleEksPolicy, deps: ScaleEksDeps = {}): Promise<ChallengeRunResult> {
  // An unreadable or invalid file is a configuration error of the run, before anything is asked.
  const src = policy.source;
  const file = src.kind === 'file' ? (deps.file ?? loadEksConfigFile(src.path, ctx.secrets)) : undefined;
  const aws = deps.aws ?? new AwsClients({ secrets: ctx.secrets, timeoutMs: policy.awsTimeoutMs, logger: ctx.logger });
  const env: EksEnv = { ctx, policy, aws, now: ctx.now(), roles: new Map() };
  const source = src.kind === 'file' ? fileTargets(env, file!) : eligibleTargets(env, src.token);
  const missing = src.kind === 'file' ? 'not in the config file' : 'not in autoscale_eligible_challenges';
  try {
    return await runOverTargets({
      source,
      concurrency: ctx.concurrency,
      only: ctx.only,
      notListed: { reason: missing, error: (id) => `challenge ${id} is ${missing}` },
      handle: (t) => handle(env, t),
      logger: ctx.logger,
      deadline: ctx.deadline,
      resumeAfter: ctx.resumeAfter,
    });
  } finally {
    if (!deps.aws) aws.destroy();
  }
}

interface Target {
  id: number;
  observe: () => Promise<Observed>;
}

/** The config file's entries, in file order; a broken entry is that challenge's failure. */
async function* fileTargets(env: EksEnv, file: EksConfigFile): AsyncGenerator<TargetEntry<Target>> {
  const { ctx } = env;
  for (const w of file.warnings) ctx.logger.warn(w);
  ctx.logger.info({ file: file.path, entries: file.entries.length, broken: file.broken.length }, 'config file read');
  if (file.entries.length === 0 && file.broken.length === 0) ctx.logger.warn(`the EKS config file ${file.path} lists no challenge: nothing to scale`);
  for (const b of file.broken) yield { ok: false, id: b.challengeId, reason: 'config entry invalid: skipped', error: b.problem, logAs: 'config entry invalid' };
  for (const entry of file.entries) yield { ok: true, target: { id: entry.challengeId, observe: () => observeFromEntry(env, entry) } };
}

/** autoscale_eligible_challenges, read with the Lambda token; a failure to read it is the source's. */
async function* eligibleTargets(env: EksEnv, token: string): AsyncGenerator<TargetEntry<Target>> {
  const pks = await getAutoscaleEligibleChallenges(env.ctx.transport, token);
  env.ctx.logger.info({ eligible: pks.length }, 'autoscale-eligible challenges read');
  for (const pk of pks) yield { ok: true, target: { id: pk, observe: () => observeFromMeta(env, pk, token) } };
}

async function handle(env: EksEnv, t: Target): Promise<Handled> {
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
  const handled = await actOnNodegroup(env, target, ng.nodegroup, decision);
  // A saving's outcome is known at the end of the run (it waits for the scale-ups): noted then.
  return whenSettled(handled, (outcome) => history?.note(target.challengeId, { pending: target.pending, capacityUp: ng.nodegroup.scaling.desiredSize > 0 }, outcome, EKS_ACTIONS, env.now));
}
