import type { Logger } from '../runtime/logger.js';
import type { Deadline } from '../runtime/deadline.js';
import type { Challenge } from './challenge.js';
import type { Handled } from './deferred.js';
import type { Outcome } from './outcome.js';
import { runOverTargets, type TargetEntry, type TargetRunResult } from './run-targets.js';

/**
 * One entry of a challenge source (EvalAI's list, or any other): a challenge, or one whose data
 * cannot be trusted, reported as its failure.
 */
export type ChallengeEntry = { ok: true; challenge: Challenge } | { ok: false; id: number | null; title?: string; error: Error };

/** The result of a run over challenges: see TargetRunResult. */
export type ChallengeRunResult = TargetRunResult;

export interface ChallengeRunOptions {
  source: AsyncIterable<ChallengeEntry>;
  /** Independent reads and actions run this many challenges at a time. */
  concurrency: number;
  /** When given, this many challenges are handled at a time instead (their writes are held to `concurrency` by the transport). */
  readConcurrency?: number;
  /** False for an outcome the caller has counted instead of keeping it (see OutcomeTally). */
  keep?: (outcome: Outcome) => boolean;
  /** --challenge: only these ids; an id the list never shows is reported as failed. */
  only?: ReadonlySet<number>;
  /** An outcome, or a saving deferred to the end of the run (see runOverTargets). */
  handle: (challenge: Challenge) => Promise<Handled>;
  logger: Logger;
  /**
   * Past it, no new challenge starts and the listing stops; what is in flight finishes, unless the
   * deadline is abandoned: then what is still in flight is recorded as unknown and the run returns.
   */
  deadline?: Deadline;
  /** The previous run stopped after this challenge: start with the ones after it. */
  resumeAfter?: number;
}

/**
 * runOverTargets over a challenge list (EvalAI's: src/commands/shared/challenge-list.ts): a malformed challenge is that challenge's failure,
 * a page that cannot be read stops the listing but not the challenges already read, and an id of
 * --challenge the list never shows is reported as not in the list.
 */
export function runOverChallenges(opts: ChallengeRunOptions): Promise<ChallengeRunResult> {
  return runOverTargets({
    source: challengeTargets(opts.source),
    concurrency: opts.concurrency,
    ...(opts.readConcurrency !== undefined ? { readConcurrency: opts.readConcurrency } : {}),
    ...(opts.keep ? { keep: opts.keep } : {}),
    only: opts.only,
    notListed: { reason: 'not in the challenge list', error: (id) => `challenge ${id} is not in EvalAI's challenge list (unknown, or disabled)` },
    handle: opts.handle,
    logger: opts.logger,
    deadline: opts.deadline,
    resumeAfter: opts.resumeAfter,
  });
}

async function* challengeTargets(source: AsyncIterable<ChallengeEntry>): AsyncGenerator<TargetEntry<Challenge>> {
  for await (const entry of source) {
    if (entry.ok) yield { ok: true, target: entry.challenge };
    else yield { ok: false, id: entry.id, title: entry.title, reason: 'challenge data cannot be trusted; nothing done', error: entry.error, logAs: 'malformed challenge' };
  }
}
