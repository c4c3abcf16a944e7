/**
 * The observations mutations rest on, by endpoint: each picks the requests (or AWS calls) of one
 * kind about one target; the latest one before a mutation must be a clean 2xx answer of the view.
 */
import type { RecordedRequest } from '../../../src/sandbox/index.js';
import type { AwsCall } from './aws-fake.js';
import { observationProblem, type Mutation, type Observation, type RunRecord } from './invariants.js';
import { challengeKey, LIST_PATH, pageOfChallenge, pageOfRequest, submissionKey, type Truth } from './sandbox-world.js';

const get = (path: string) => (q: RecordedRequest) => q.method === 'GET' && q.path === path;

/**
 * The entry of challenge `id` in the challenge list, as the paginator takes it: the first page
 * delivered (2xx, no fault in front of it) that holds an entry of `id` it can identify. That is the
 * challenge's own page, unless a fault took the entry's id away there; then a later page that
 * repeats the challenge (a `duplicate` fault). Whatever else corrupted that entry counts.
 */
export function listEntry(truth: Truth, id: number): Observation {
  const home = pageOfChallenge(truth, id);
  const transformsOf = (rec: RunRecord, i: number) => rec.plans[i]!.wrappers.map((w) => rec.transforms.get(w)?.op).filter((op) => op !== undefined);
  return {
    name: `the challenge list entry of ${id} (page ${home})`,
    key: challengeKey(id),
    pick(rec, pos) {
      for (let i = 0; i < rec.requests.length && i < pos; i++) {
        const q = rec.requests[i]!;
        if (q.method !== 'GET' || q.path !== LIST_PATH || rec.plans[i]!.terminal || q.status < 200 || q.status >= 300) continue;
        const page = pageOfRequest(q);
        const ops = transformsOf(rec, i);
        if (page === home && !ops.some((op) => op.op === 'wrong-type' && op.victim === id && op.field === 'id')) return i;
        if (page > home && ops.some((op) => op.op === 'duplicate' && op.victim === id)) return i;
      }
      return null;
    },
  };
}

export function metricsOf(id: number): Observation {
  return { name: `submission metrics of ${id}`, http: get(`/api/challenges/challenge/get_submission_metrics_by_pk/${id}/`), key: challengeKey(id) };
}

export function ec2DetailsOf(id: number): Observation {
  return { name: `EC2 details of ${id}`, http: get(`/api/challenges/${id}/get_ec2_instance_details/`), key: challengeKey(id) };
}

export function challengeByPk(id: number): Observation {
  // 406 "was removed" from the view itself is an answer (the challenge is disabled), not a failure.
  return { name: `challenge ${id} by pk`, http: get(`/api/challenges/challenge/${id}/`), accept: [406], key: challengeKey(id) };
}

export function evaluationClusterOf(id: number): Observation {
  return { name: `evaluation cluster of ${id}`, http: get(`/api/challenges/${id}/evaluation_cluster/`), key: challengeKey(id) };
}

export function autoscaleEligible(id: number): Observation {
  return { name: 'autoscale_eligible_challenges', http: get('/api/challenges/challenge/autoscale_eligible_challenges/'), key: challengeKey(id) };
}

export function autoscaleMetaOf(id: number): Observation {
  return { name: `autoscale_meta of ${id}`, http: get(`/api/challenges/challenge/${id}/autoscale_meta/`), key: challengeKey(id) };
}

export function pendingCountOf(id: number): Observation {
  return { name: `pending_submission_count of ${id}`, http: get(`/api/challenges/challenge/${id}/pending_submission_count/`), key: challengeKey(id) };
}

export function submissionListing(challenge: number, status: string, submission: number): Observation {
  return {
    name: `"${status}" submissions of ${challenge}`,
    http: (q) => q.method === 'GET' && q.path === `/api/jobs/challenge/${challenge}/submission/` && q.query.status === status,
    key: submissionKey(submission),
  };
}

export function submissionById(id: number): Observation {
  return { name: `submission ${id} by id`, http: get(`/api/jobs/submission/${id}`), key: submissionKey(id) };
}

export function awsCall(name: string, id: number, pick: (c: AwsCall) => boolean, optional = false): Observation {
  return { name, aws: pick, key: challengeKey(id), optional };
}

/** "N pending before the run" or "pending unknown to the tool" when removal `m` of challenge `id` was unsafe. */
export function pendingProblem(rec: RunRecord, truth: Truth, m: Mutation, id: number, pendingObservation: Observation): string | null {
  const pending = truth.pending.get(id) ?? 0;
  if (pending > 0) return `${pending} submission(s) pending before the run`;
  const unknown = observationProblem(rec, pendingObservation, m.pos);
  return unknown ? `pending count unknown to the tool: ${unknown}` : null;
}
