import type { ScalingConfig } from '../../aws/eks.js';
import type { Decision } from '../../core/outcome.js';
import { holdStop, type HoldInput } from '../../state/hold.js';
import { knownPending, type Pending } from '../../core/pending.js';
import type { EksCaps } from './policy.js';

export type EksAction = 'scale-up' | 'scale-down' | 'clamp' | 'none' | 'skip';

export interface EksDecision extends Decision<EksAction> {
  /** The scaling config to write (scale-up, scale-down, clamp). */
  target?: ScalingConfig;
}

/** What the decision rests on, observed from EvalAI and EKS. */
export interface NodegroupObservation {
  pending: Pending;
  ended: boolean;
  disabled: boolean;
  nodegroup: string;
  /** DescribeNodegroup status. */
  status: string;
  current: ScalingConfig;
}

const IN_TRANSITION = new Set(['CREATING', 'UPDATING']);
const NOT_SCALABLE = new Set(['DELETING', 'CREATE_FAILED', 'DELETE_FAILED']);

/**
 * Challenges scale-eks leaves alone, as upstream (its `assert`, contract §6 row 27): not docker-based
 * or remote evaluation. Also one with no EKS cluster recorded.
 */
export function eksScope(c: { isDockerBased: boolean; remoteEvaluation: boolean; clusterName?: string | null }): EksDecision | null {
  if (!c.isDockerBased) return { action: 'skip', reason: 'not docker-based: evaluated without an EKS cluster' };
  if (c.remoteEvaluation) return { action: 'skip', reason: 'remote evaluation: the host runs its own evaluation' };
  if (c.clusterName === null) return { action: 'skip', reason: 'no EKS cluster recorded for this challenge' };
  return null;
}

export type NodegroupChoice = { ok: true; name: string; how: string } | { ok: false; reason: string };

/**
 * The nodegroup to scale: the recorded or configured name; otherwise the cluster's only one. With
 * several and none named, refuse: upstream takes the first, which may be the wrong group (contract
 * §6 row 28).
 */
export function chooseNodegroup(cluster: string, named: string | null | undefined, listed: readonly string[]): NodegroupChoice {
  if (named) return { ok: true, name: named, how: 'recorded or configured' };
  if (listed.length === 1) return { ok: true, name: listed[0]!, how: 'the cluster\'s only nodegroup' };
  if (listed.length === 0) return { ok: false, reason: `cluster ${cluster} has no nodegroup` };
  const shown = listed.slice(0, 5).join(', ') + (listed.length > 5 ? ', …' : '');
  return {
    ok: false,
    reason: `cluster ${cluster} has ${listed.length} nodegroups (${shown}) and none is recorded or configured for this challenge: refusing to guess (set nodegroup_name)`,
  };
}

/**
 * The decision for one challenge's nodegroup: a pure function of the observation and the caps.
 * As upstream (auto_scale_eks_nodes.py and its Lambda): scale up to min(pending, cap) when pending
 * exceeds the current desired size; scale to 0 (minSize 0) when nothing is pending. Unlike
 * upstream: an ended or disabled challenge with pending submissions keeps its nodes (draining:
 * never scaled to 0 while its pending count is above zero or unknown); maxSize is never left above
 * the cap (contract §6 row 30); every target keeps minSize <= desiredSize <= maxSize and
 * maxSize >= 1, as EKS requires. `hold` (--scale-down-delay, --min-uptime and what earlier runs
 * remember) can only keep the nodes of a challenge that is neither ended nor disabled; without it,
 * or without usable memory, the decision is exactly the one above.
 */
export function decideNodegroup(obs: NodegroupObservation, caps: EksCaps, hold?: HoldInput): EksDecision {
  const cur = obs.current;
  const maxCap = Math.max(1, caps.maxSize);
  const desiredCap = Math.max(1, Math.min(caps.desiredCap, maxCap));
  const facts = {
    pending: obs.pending,
    ended: obs.ended,
    disabled: obs.disabled,
    nodegroup: obs.nodegroup,
    status: obs.status,
    current: { ...cur },
    desiredCap,
    maxSizeCap: maxCap,
  };
  const nodes = `${cur.desiredSize} node${cur.desiredSize === 1 ? '' : 's'}`;
  const plural = (n: number) => `${n} pending submission${n === 1 ? '' : 's'}`;

  if (IN_TRANSITION.has(obs.status)) {
    return { action: 'none', reason: `nodegroup ${obs.nodegroup} is ${obs.status}: looked at again next run`, facts };
  }
  if (NOT_SCALABLE.has(obs.status)) {
    return { action: 'skip', reason: `nodegroup ${obs.nodegroup} is ${obs.status}: not scaled`, facts };
  }

  const scaleDown = (why: string): EksDecision => {
    const target = { minSize: 0, desiredSize: 0, maxSize: Math.max(1, Math.min(cur.maxSize, maxCap)) };
    if (cur.desiredSize === 0 && cur.minSize === 0) {
      if (cur.maxSize > maxCap) {
        return { action: 'clamp', reason: `${why}; already at 0 nodes, maxSize ${cur.maxSize} above the cap: set to ${target.maxSize}`, facts: { ...facts, target }, target };
      }
      return { action: 'none', reason: `${why}; already at 0 nodes`, facts };
    }
    return { action: 'scale-down', reason: `${why}: ${nodes} -> 0`, facts: { ...facts, target }, target };
  };

  const pending = knownPending(obs.pending);
  if (pending === 'unknown') return { action: 'none', reason: `pending submissions unknown: nothing done (${nodes})`, facts };
  if (pending === 0 && !obs.disabled && !obs.ended && cur.desiredSize > 0) {
    const verdict = holdStop(hold);
    if (verdict.keep) return { action: 'none', reason: `no pending submissions, ${nodes}; ${verdict.reason}`, facts };
    if (verdict.note) return scaleDown(`no pending submissions; ${verdict.note}`);
  }
  if (pending === 0) return scaleDown(obs.disabled ? 'challenge disabled, nothing pending' : obs.ended ? 'ended, nothing pending' : 'no pending submissions');
  if (obs.disabled || obs.ended) {
    return { action: 'none', reason: `draining: ${obs.disabled ? 'disabled' : 'ended'} with ${plural(pending)}; ${nodes} kept until they finish`, facts };
  }

  const wanted = Math.min(pending, desiredCap);
  if (pending > cur.desiredSize && wanted > cur.desiredSize) {
    const target = { minSize: 1, desiredSize: wanted, maxSize: maxCap };
    const capped = wanted < pending ? ` (capped at ${desiredCap})` : '';
    return { action: 'scale-up', reason: `${plural(pending)}: ${nodes} -> ${wanted}${capped}`, facts: { ...facts, target }, target };
  }
  const why = pending > cur.desiredSize ? `at the cap: ${plural(pending)}, ${nodes} (cap ${desiredCap})` : `busy: ${plural(pending)}, ${nodes}`;
  if (cur.maxSize > maxCap) {
    if (cur.desiredSize <= maxCap) {
      const target = { minSize: Math.min(cur.minSize, cur.desiredSize), desiredSize: cur.desiredSize, maxSize: maxCap };
      return { action: 'clamp', reason: `${why}; maxSize ${cur.maxSize} above the cap: set to ${maxCap}`, facts: { ...facts, target }, target };
    }
    return { action: 'none', reason: `${why}; ${nodes} is above the cap of ${maxCap}: left while submissions are pending`, facts };
  }
  return { action: 'none', reason: why, facts };
}
