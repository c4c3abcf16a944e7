import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stateFromSeed, type RecordedRequest } from '../../src/sandbox/index.js';
import { listEntry, submissionById, submissionListing } from './harness/observations.js';
import type { Observation, RunRecord, Violation } from './harness/invariants.js';
import type { CommandProperty, Schedule } from './harness/property.js';
import { smallSeed, submissionKey, truthOf, type Infra } from './harness/sandbox-world.js';
import {
  afterViewArb,
  anyFaultArb,
  commonKnobsArb,
  faultAt,
  listFaultArb,
  metricsFaultArb,
  mutationFaultArb,
  rec,
  terminalFaultArb,
  timesArb,
  transformArb,
  type FaultSpec,
} from './harness/schedule.js';

const DAY_MS = 86_400_000;

/**
 * 323 holds the stale and fresh submissions of every kind; 301, 302, 304, 306, 307 hold fresh
 * pending ones (made stale by `aged`); 42 and 303 only finished ones; the rest none.
 */
const IDS = [1, 41, 42, 290, 301, 302, 303, 304, 305, 306, 307, 323];
const SEED = smallSeed(new Date(), IDS);
const SEED_TRUTH = truthOf(SEED);
/** Submissions in a pending status, with their challenge. */
const PENDING_SUBMISSIONS = [...SEED_TRUTH.submissions].filter(([, s]) => ['submitted', 'running', 'queued', 'resuming'].includes(s.status)).map(([id, s]) => ({ id, challenge: s.challenge }));
const WITH_SUBMISSIONS = [...new Set(PENDING_SUBMISSIONS.map((s) => s.challenge))];

export interface CancelStaleSchedule extends Schedule {
  olderThan: '14d' | '17d' | '19d' | '22d';
  includeQueued: boolean;
  /** The pending submissions of these challenges were submitted 30 days ago. */
  aged: number[];
  /** Staff is also a host of teams 1 and 4, so the re-check by id answers (else 401: a fresh listing). */
  staffHosts: boolean;
}

const submissionFields = ['submitted_at', 'id', 'challenge_phase', 'status', 'rerun_resumed_at'];

/** A submission listing (GET .../submission/?status=) with one submission's entry corrupted, or not a list. */
const listingFault: fc.Arbitrary<FaultSpec> = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...PENDING_SUBMISSIONS), fc.constantFrom(...submissionFields), fc.constantFrom('wrong-type' as const, 'missing' as const), timesArb)
      .map(([s, field, value, times]) => ({ at: 'submission_list' as const, id: s.challenge, fault: { kind: 'transform' as const, op: 'wrong-type' as const, victim: s.id, field, value }, skip: 0, times })),
    weight: 3,
  },
  { arbitrary: faultAt('submission_list', WITH_SUBMISSIONS, fc.oneof({ arbitrary: terminalFaultArb(), weight: 3 }, { arbitrary: transformArb(fc.constant({ op: 'not-array' as const })), weight: 1 })), weight: 3 },
);

/** The re-check by id (GET /api/jobs/submission/{id}), mostly of 323's stale and fresh submissions. */
const BY_ID = [...PENDING_SUBMISSIONS.filter((s) => s.challenge === 323).map((s) => s.id), ...PENDING_SUBMISSIONS.map((s) => s.id)];
const byIdFault: fc.Arbitrary<FaultSpec> = fc.oneof(
  { arbitrary: faultAt('submission_by_id', BY_ID, fc.oneof(terminalFaultArb(), transformArb(fc.constant({ op: 'other-id' as const })))), weight: 3 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...BY_ID), fc.constantFrom(...submissionFields), fc.constantFrom('wrong-type' as const, 'missing' as const), timesArb)
      .map(([id, field, value, times]) => ({ at: 'submission_by_id' as const, id, fault: { kind: 'transform' as const, op: 'wrong-type' as const, victim: id, field, value }, skip: 0, times })),
    weight: 1,
  },
);

export const scheduleArb: fc.Arbitrary<CancelStaleSchedule> = rec<CancelStaleSchedule>({
  knobs: commonKnobsArb(IDS),
  faults: fc.array(
    fc.oneof(
      { arbitrary: listFaultArb(IDS), weight: 2 },
      { arbitrary: metricsFaultArb(IDS), weight: 2 },
      { arbitrary: listingFault, weight: 3 },
      { arbitrary: byIdFault, weight: 2 },
      { arbitrary: mutationFaultArb('update_submission', WITH_SUBMISSIONS), weight: 2 },
      // 323 always holds stale submissions: a cancel carried out whose answer is lost (cancel-unknown).
      { arbitrary: faultAt('update_submission', [323], afterViewArb), weight: 2 },
      { arbitrary: anyFaultArb(), weight: 1 },
    ) as fc.Arbitrary<FaultSpec>,
    { maxLength: 5 },
  ),
  olderThan: fc.constantFrom('14d' as const, '17d' as const, '19d' as const, '22d' as const),
  includeQueued: fc.boolean(),
  aged: fc.uniqueArray(fc.constantFrom(301, 302, 304, 306, 307), { maxLength: 3 }),
  staffHosts: fc.boolean(),
});

let auditLog = '';
let schedules = 0;

const UPDATE_SUBMISSION = /^\/api\/jobs\/challenge\/\d+\/update_submission\/$/;
const ok = (status: number | undefined) => status !== undefined && status >= 200 && status < 300;

/**
 * 6. The audit log is true: every line parses; every PUT has an `about-to-cancel` line and a result
 * line; `cancelled` only if the view cancelled it, `cancel-failed` ("nothing changed") only if no
 * attempt reached the view and succeeded there. An answer lost after the view acted must be
 * `cancel-unknown` (or `cancelled`, never refused).
 */
export function auditLogProblems(rec: RunRecord, path: string): Violation[] {
  const out: Violation[] = [];
  const v = (message: string) => out.push({ invariant: 6, message });
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (rec.dryRun && text !== '') v('dry run, yet the audit log was written');
  const lines: Array<{ event: string; submissionId: number }> = [];
  for (const raw of text.split('\n').filter(Boolean)) {
    try {
      lines.push(JSON.parse(raw) as { event: string; submissionId: number });
    } catch {
      v(`an audit line does not parse: ${raw.slice(0, 120)}`);
    }
  }
  const acted = new Map<number, boolean>();
  rec.requests.forEach((q: RecordedRequest, i) => {
    if (q.method !== 'PUT' || !UPDATE_SUBMISSION.test(q.path)) return;
    const id = Number((q.body as { submission?: unknown } | undefined)?.submission);
    const terminal = rec.plans[i]!.terminal;
    const didAct = terminal === null ? ok(q.status) : terminal.kind === 'after-view' && ok(q.viewStatus);
    acted.set(id, (acted.get(id) ?? false) || didAct);
  });
  for (const [id, didAct] of acted) {
    const mine = lines.filter((l) => l.submissionId === id).map((l) => l.event);
    if (!mine.includes('about-to-cancel')) v(`submission ${id}: a PUT without an about-to-cancel line`);
    const result = mine.filter((e) => e !== 'about-to-cancel').at(-1);
    if (!result) v(`submission ${id}: a PUT without a result line`);
    else if (didAct && result === 'cancel-failed') v(`submission ${id}: cancelled by the server, yet recorded as cancel-failed ("nothing changed")`);
    else if (!didAct && result === 'cancelled') v(`submission ${id}: recorded as cancelled, but no PUT was carried out`);
  }
  return out;
}

export const property = (infra: () => Infra): CommandProperty<CancelStaleSchedule> => ({
  name: 'cancel-stale',
  command: 'cancel-stale',
  infra,
  state(s) {
    const state = stateFromSeed(SEED);
    if (s.staffHosts) state.users.find((u) => u.isStaff)!.hostTeamIds = [1, 4];
    const aged = new Set(s.aged);
    const ago = new Date(Date.now() - 30 * DAY_MS);
    for (const sub of state.submissions.values()) {
      const challenge = SEED_TRUTH.submissions.get(sub.id)?.challenge;
      if (challenge !== undefined && aged.has(challenge)) sub.submitted_at = ago;
    }
    return state;
  },
  plan(s) {
    // A log of its own per schedule: a schedule replays alone exactly as it ran in the sequence.
    auditLog = join(infra().dir, `cancel-stale-audit-${++schedules}.jsonl`);
    return { argv: ['--older-than', s.olderThan, ...(s.includeQueued ? ['--include-queued'] : []), '--audit-log', auditLog], env: {} };
  },
  model: {
    httpTarget(q) {
      const m = /^\/api\/jobs\/challenge\/(\d+)\/update_submission\/$/.exec(q.path);
      const id = Number((q.body as { submission?: unknown } | undefined)?.submission);
      if (!m || !Number.isSafeInteger(id)) return null;
      return { target: submissionKey(id), challenge: Number(m[1]), removal: true };
    },
    observations(m, truth) {
      const id = Number(m.target.split(':')[1]);
      const s = truth.submissions.get(id);
      if (!s) return [{ name: `submission ${id} (unknown to the sandbox)`, http: () => false, key: m.target }];
      if (s.challenge !== m.challenge) return [{ name: `submission ${id}'s own challenge (${s.challenge}; the PUT went to challenge ${m.challenge})`, http: () => false, key: m.target }];
      const listing = submissionListing(s.challenge, s.status, id);
      const byId = submissionById(id);
      // The re-check just before the cancel: by id, or (after a 401 by id) a fresh listing.
      const recheck: Observation = { name: `the re-check of submission ${id}`, http: (q) => byId.http!(q) || listing.http!(q), key: m.target };
      return [listEntry(truth, s.challenge), listing, recheck];
    },
    recordProblems(rec) {
      return auditLogProblems(rec, auditLog);
    },
    removalProblem(m, truth, _rec, sched) {
      const id = Number(m.target.split(':')[1]);
      const s = truth.submissions.get(id);
      if (!s) return `submission ${id} does not exist`;
      const statuses = ['submitted', 'running', 'resuming', ...(sched.includeQueued ? ['queued'] : [])];
      const thresholdMs = Number(sched.olderThan.replace('d', '')) * DAY_MS;
      const ageMs = Date.now() - s.reference.getTime();
      if (!statuses.includes(s.status)) return `submission ${id} was "${s.status}" before the run, not a status this run cancels`;
      if (ageMs <= thresholdMs) return `submission ${id} had waited ${(ageMs / DAY_MS).toFixed(1)} d, not more than ${sched.olderThan}: it was not stale`;
      return null;
    },
  },
});
