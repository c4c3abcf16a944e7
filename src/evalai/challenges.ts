import type { Challenge } from '../core/challenge.js';
import { EvalAIError } from './errors.js';
import { paginate, type PaginationOptions } from './pagination.js';
import { paths, type ChallengeApproval, type ChallengePublication, type ChallengeTime } from './paths.js';
import { challengeSchema } from './schemas.js';
import type { Transport } from './transport.js';
import { describeIssues } from './validate.js';

/** One item of the challenge list: a valid challenge, or one whose data cannot be trusted. */
/** An entry of EvalAI's challenge list: core's ChallengeEntry, a malformed one with the EvalAIError that says why. */
export type ChallengeEntry = { ok: true; challenge: Challenge } | { ok: false; id: number | null; title?: string; error: EvalAIError };

export interface ListFilter {
  time?: ChallengeTime;
  approved?: ChallengeApproval;
  published?: ChallengePublication;
}

/**
 * Every non-disabled challenge (contract §2.1), page by page, de-duplicated by id. A challenge that
 * fails validation is yielded as an invalid entry (its own failure); a page that cannot be read ends
 * the iteration with an error after the earlier pages' challenges were yielded.
 */
export async function* listChallenges(
  transport: Transport,
  filter: ListFilter = {},
  opts: PaginationOptions = {},
): AsyncGenerator<ChallengeEntry> {
  const endpoint = 'challenge list';
  const seen = new Set<number>();
  const path = paths.challengeList(filter.time, filter.approved, filter.published);
  for await (const page of paginate(transport, path, endpoint, opts)) {
    for (const [index, raw] of page.results.entries()) {
      const id = rawId(raw);
      if (id !== null) {
        if (seen.has(id)) continue;
        seen.add(id);
      }
      const parsed = challengeSchema.safeParse(raw);
      if (!parsed.success) {
        const where = id !== null ? `challenge ${id}` : `page ${page.number} results[${index}]`;
        const error = new EvalAIError('malformed-response', endpoint, `malformed ${where}: ${describeIssues(parsed.error)}`);
        yield { ok: false, id, title: rawTitle(raw), error };
        continue;
      }
      yield { ok: true, challenge: toChallenge(parsed.data) };
    }
  }
}

export function toChallenge(c: ReturnType<typeof challengeSchema.parse>): Challenge {
  return {
    id: c.id,
    title: c.title,
    startDate: c.start_date,
    endDate: c.end_date,
    createdAt: c.created_at,
    approvedByAdmin: c.approved_by_admin,
    published: c.published,
    isDockerBased: c.is_docker_based,
    remoteEvaluation: c.remote_evaluation,
    usesEc2Worker: c.uses_ec2_worker,
    workers: c.workers,
  };
}

function rawId(raw: unknown): number | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}

function rawTitle(raw: unknown): string | undefined {
  const title = (raw as { title?: unknown } | null)?.title;
  return typeof title === 'string' ? title : undefined;
}
