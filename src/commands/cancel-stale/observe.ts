import type { Challenge } from '../../core/challenge.js';
import type { PendingCount } from '../../core/pending.js';
import type { RunContext } from '../../runtime/context.js';
import { describeError } from '../../runtime/errors.js';
import { EvalAIError, isEvalAIError, isRunFatal } from '../../evalai/errors.js';
import { getPendingSubmissions } from '../../evalai/metrics.js';
import { listSubmissions, type SubmissionEntry } from '../../evalai/submissions.js';
import { statusesToList } from './decide.js';
import type { CancelStalePolicy, CandidateStatus } from './policy.js';

export interface ChallengeObservation {
  /** The metrics-by-pk counts, or null when they were not used (see `metricsNote`). */
  pending: PendingCount | null;
  metricsNote?: string;
  /** The listings that could be read, one per status. */
  listed: Array<{ status: CandidateStatus; entries: SubmissionEntry[] }>;
  /** The listings that could not be read (400 not authorised, 429, 500...): the challenge failed. */
  listingErrors: Array<{ status: CandidateStatus; error: string }>;
}

/** Shared by all challenges of a run. */
export interface ObserveState {
  /** The metrics endpoint said "not authorised" once: the token is not staff; stop asking it. */
  metricsForbidden: boolean;
}

/**
 * Cheap first: the unthrottled metrics-by-pk endpoint says whether the challenge has any submission
 * in a candidate status at all; only those statuses are listed (throttled, one call per status).
 * Without metrics (the token is not staff, or the answer was unusable), every candidate status is
 * listed. A listing that fails is recorded and the other statuses are still listed.
 */
export async function observeChallenge(
  ctx: RunContext,
  challenge: Challenge,
  policy: CancelStalePolicy,
  state: ObserveState,
): Promise<ChallengeObservation> {
  let pending: PendingCount | null = null;
  let metricsNote: string | undefined;
  if (state.metricsForbidden) {
    metricsNote = 'metrics not available to this token (not staff): every candidate status listed';
  } else {
    try {
      pending = await getPendingSubmissions(ctx.transport, challenge.id);
    } catch (err) {
      // A host's token works for the host's own challenges, named with --challenge (docs): there,
      // metrics refused to a non-staff token only ends asking for metrics. Over the whole list, every
      // other challenge would be refused too: the run stops with one line.
      if (isEvalAIError(err, 'not-staff') && !ctx.only) {
        const said = err.message.slice(err.endpoint.length + 2);
        throw new EvalAIError('not-staff', err.endpoint, `${said} (a host's token works only with --challenge naming that host's challenges)`, err.status);
      }
      const notStaff = isEvalAIError(err, 'not-staff') || isEvalAIError(err, 'not-authorised');
      if (!notStaff && isRunFatal(err)) throw err;
      if (notStaff) state.metricsForbidden = true;
      metricsNote = `metrics unavailable (${describeError(err)}): every candidate status listed`;
      ctx.logger.warn({ challenge: challenge.id, error: describeError(err) }, 'submission metrics unavailable; listing every candidate status');
    }
  }

  const observation: ChallengeObservation = { pending, metricsNote, listed: [], listingErrors: [] };
  for (const status of statusesToList(pending, policy)) {
    try {
      observation.listed.push({ status, entries: await listSubmissions(ctx.transport, challenge.id, status) });
    } catch (err) {
      if (isRunFatal(err)) throw err;
      observation.listingErrors.push({ status, error: describeError(err) });
    }
  }
  return observation;
}
