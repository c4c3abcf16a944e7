import { EC2_STATES, isEc2StateName } from '../aws/ec2-states.js';
import type { Outcome } from '../core/outcome.js';
import { gauge, type MetricsPart } from './registry.js';

/** What a challenge's outcome facts say about it, as numbers; absent: not known to this command. */
export interface ChallengeGauges {
  pending?: number;
  workers?: number;
  instanceState?: string;
  desiredNodes?: number;
  failed: boolean;
  /** An action was carried out (or planned, in a dry run) on it by this run. */
  acted: boolean;
}

/**
 * The numbers each command puts in its outcomes' facts (src/commands/*\/decide.ts), read
 * defensively: `pending` is a count (scale-workers, scale-ec2, scale-eks, stop-idle) or counts by
 * status (cancel-stale), and `unknown` or `not read` publishes nothing; `workers` is EvalAI's
 * count, null meaning no worker (0); `state` is the EC2 instance state; `current.desiredSize` the
 * EKS nodegroup's. Outcomes about single submissions only count towards `failed`.
 */
export function challengeGauges(outcomes: Outcome[]): Map<number, ChallengeGauges> {
  const byChallenge = new Map<number, ChallengeGauges>();
  for (const o of outcomes) {
    if (!Number.isSafeInteger(o.challengeId) || o.challengeId <= 0) continue; // a run-level failure, not a challenge's
    const g = byChallenge.get(o.challengeId) ?? { failed: false, acted: false };
    byChallenge.set(o.challengeId, g);
    if (o.status === 'failed') g.failed = true;
    if (o.status === 'done' || o.status === 'planned') g.acted = true;
    if (o.submissionId !== undefined || !o.facts) continue;
    const f = o.facts;
    const pending = pendingOf(f.pending);
    if (pending !== undefined) g.pending = pending;
    if (f.workers === null) g.workers = 0;
    else if (isCount(f.workers)) g.workers = f.workers;
    if (isEc2StateName(f.state)) g.instanceState = f.state;
    const current = f.current as { desiredSize?: unknown } | undefined;
    if (current && typeof current === 'object' && isCount(current.desiredSize)) g.desiredNodes = current.desiredSize;
  }
  return byChallenge;
}

/**
 * Whether a challenge gets series at all: only those with something going on (pending
 * submissions, capacity up, a failure, an action in this run). A deployment has thousands of
 * ended, idle challenges; listing each of them in every run would only add series.
 */
export function isActive(g: ChallengeGauges): boolean {
  return (
    g.failed ||
    g.acted ||
    (g.pending ?? 0) > 0 ||
    (g.workers ?? 0) > 0 ||
    (g.desiredNodes ?? 0) > 0 ||
    (g.instanceState !== undefined && g.instanceState !== 'stopped' && g.instanceState !== 'terminated')
  );
}

/**
 * Per active challenge (isActive), as observed by the run before it acted. Label `challenge`: the
 * id (never the title).
 */
export function challengeMetrics(outcomes: Outcome[]): MetricsPart {
  return (r) => {
    const all = new Map([...challengeGauges(outcomes)].filter(([, g]) => isActive(g)).sort(([a], [b]) => a - b));
    if (all.size === 0) return;
    const has = (key: keyof ChallengeGauges) => [...all.values()].some((g) => g[key] !== undefined);
    // A gauge only when some challenge has a value for it: a command's file holds only what it knows.
    const failed = gauge(r, 'challenge_failed', '1 when the last run could not observe or act on the challenge.', ['challenge']);
    const pending = has('pending') ? gauge(r, 'challenge_pending_submissions', 'Pending submissions (running, submitted, queued, resuming) seen by the last run.', ['challenge']) : null;
    const workers = has('workers') ? gauge(r, 'challenge_workers', "The challenge's EvalAI workers seen by the last run, before its action.", ['challenge']) : null;
    const state = has('instanceState')
      ? gauge(r, 'challenge_instance_state', "1 for the EC2 worker instance's state seen by the last run (before its action), 0 for the others.", ['challenge', 'state'])
      : null;
    const nodes = has('desiredNodes') ? gauge(r, 'challenge_desired_nodes', "The EKS nodegroup's desired size seen by the last run, before its action.", ['challenge']) : null;
    for (const [id, g] of all) {
      const challenge = String(id);
      failed.set({ challenge }, g.failed ? 1 : 0);
      if (g.pending !== undefined) pending?.set({ challenge }, g.pending);
      if (g.workers !== undefined) workers?.set({ challenge }, g.workers);
      if (g.instanceState !== undefined) for (const s of EC2_STATES) state?.set({ challenge, state: s }, s === g.instanceState ? 1 : 0);
      if (g.desiredNodes !== undefined) nodes?.set({ challenge }, g.desiredNodes);
    }
  };
}

function pendingOf(value: unknown): number | undefined {
  if (isCount(value)) return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const counts = Object.values(value);
    if (counts.length > 0 && counts.every(isCount)) return counts.reduce((a, b) => a + b, 0);
  }
  return undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
