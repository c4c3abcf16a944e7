/**
 * The default seed: realistic and deterministic, with every date relative to `now`.
 *
 * - ids 1–300: background challenges, most long ended with `workers: null` and nothing
 *   pending (as on eval.ai); 286–300 are active but quiet. Spread over host teams 5–8.
 * - ids 301–323: the interesting cases named in `SEEDED` (titles say what they are).
 * 322 challenges are listed (one is disabled): 3 pages at 150 a page.
 *
 * Start and end dates are mostly whole seconds (no fraction when rendered); created_at and
 * submitted_at mostly carry milliseconds (a 6-digit fraction). No date is null: a null
 * start or end date breaks the list page (contract §5.5); tests set one when they need it.
 */
import { DAY_MS, instanceIdFor, makeChallenge, makeCluster, makeInstance, makePhases, makeSubmission } from './builders.js';
import { mulberry32 } from './prng.js';
import type { SandboxChallenge, SandboxHostTeam, SandboxState, SandboxSubmission, SandboxUser } from './state.js';

const HOUR_MS = 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

export const SEEDED = {
  /** Host teams; the host user of team t has id t + 1 and token `sandbox-host-token-<t>`. */
  teams: { ecs: 1, ec2: 2, eks: 3, submissions: 4, background: [5, 6, 7, 8] },
  users: { staff: 1, participant: 10, expired: 11, blacklisted: 12, unverified: 13, inactive: 14 },

  // ECS workers (manage_worker), host team 1.
  /** Active, 3 submitted, workers null → scale-workers starts it. */
  activePendingNoWorker: 301,
  /** Active, 1 submitted + 1 queued, workers 0 → start. */
  activePendingStoppedWorker: 302,
  /** Active, nothing pending, workers 1 → stop. */
  activeIdleWorker: 303,
  /** Active, 1 running + 2 submitted, workers 1 → nothing to do. */
  activeBusyWorker: 304,
  /** Ended 3 days ago, nothing pending, workers 1 → stop refused (406); stop-idle's delete. */
  endedIdleWorker: 305,
  /** Ended 2 days ago, 1 running + 1 submitted, workers 1 → draining, leave it. */
  endedDrainingWorker: 306,
  /** remote_evaluation, active, 2 submitted, workers null. */
  remoteEvaluationPending: 307,

  // EC2 workers (uses_ec2_worker), host team 2.
  /** Instance stopped, 2 submitted → start. */
  ec2Stopped: 308,
  /** Instance running (checks ok), nothing pending → stop. */
  ec2RunningIdle: 309,
  /** Instance running, 1 running submission → nothing. */
  ec2RunningBusy: 310,
  /** Instance pending (booting; stays pending), 1 submitted. */
  ec2BootingInstance: 311,
  /** Instance running but status checks not ok, nothing pending → stop refused (checks not ready). */
  ec2ChecksNotReady: 312,
  /** Ended 5 days ago, instance running, nothing pending → stop is allowed after the end date. */
  ec2EndedRunning: 313,
  /** uses_ec2_worker with ec2_instance_id null (details → HTML 500), 1 submitted. */
  ec2NoInstance: 314,

  // EKS (is_docker_based), host team 3.
  /** Cluster with nodegroup_name set, 1 running + 3 submitted. */
  eksWithNodegroup: 315,
  /** Cluster with nodegroup_name null, nothing pending. */
  eksNodegroupUnknown: 316,
  /** Docker-based without a cluster (evaluation_cluster → 404), 1 submitted. */
  dockerNoCluster: 317,
  /** Cluster, ended 60 days ago: past the 30-day autoscale grace period. */
  eksEndedLongAgo: 318,

  // Odd ones, host team 1.
  /** Not approved, private, created 10 days ago, active, workers 1, nothing pending. */
  unapprovedOldWorker: 319,
  /** is_disabled, ended, workers 1, 1 submitted: hidden from the list, 406 by pk, counted in metrics. */
  disabledWithWorker: 320,
  /** Starts in 7 days, workers null. */
  futureChallenge: 321,
  /** Approved but not published, active, 1 submitted: by-pk 406 for non-hosts. */
  privateActivePending: 322,

  /** Active, workers 1, host team 4: the submissions of `SEEDED.submissions`. */
  staleSubmissions: 323,

  submissions: {
    /** submitted, submitted_at 20 days ago. */
    staleSubmitted: 90001,
    /** running, submitted 20 days ago. */
    staleRunning: 90002,
    /** resuming, submitted 25 days ago, rerun_resumed_at 20 days ago. */
    staleResuming: 90003,
    /** queued, submitted 20 days ago (the old script never cancels queued). */
    staleQueued: 90004,
    /** submitted 18 days ago, whole seconds: rendered without a fraction. */
    staleWholeSecond: 90005,
    /** submitted 2 hours ago. */
    freshSubmitted: 90006,
    /** running, submitted 3 hours ago. */
    freshRunning: 90007,
    /** A re-run: submitted_at 30 days ago (copied) but rerun_resumed_at 1 hour ago → not stale. */
    rerunRecent: 90008,
    /** Terminal, 40 days old. */
    finishedOld: 90009,
    failedOld: 90010,
    cancelledOld: 90011,
    /** submitted 16 days ago by another participant (user 99). */
    staleOtherParticipant: 90012,
  },

  instances: {
    stopped: instanceIdFor(308),
    runningIdle: instanceIdFor(309),
    runningBusy: instanceIdFor(310),
    booting: instanceIdFor(311),
    checksNotReady: instanceIdFor(312),
    endedRunning: instanceIdFor(313),
  },

  totalChallenges: 323,
  listedChallenges: 322,
} as const;

const TOPICS = [
  'Visual Question Answering',
  'Image Captioning',
  'Object Detection',
  'Semantic Segmentation',
  'Machine Translation',
  'Reading Comprehension',
  'Embodied Navigation',
  'Audio Tagging',
  'Tabular Forecasting',
  'Video Retrieval',
  'Visual Dialog',
  'Pose Estimation',
];
const DOMAINS: [string, string][] = [
  ['CV', 'Computer Vision'],
  ['NLP', 'Natural Language Processing'],
  ['RL', 'Reinforcement Learning'],
  ['MM', 'Multimodal'],
  ['AUD', 'Audio'],
  ['TAB', 'Tabular'],
];

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** A time with a given, non-zero millisecond part (a 6-digit fraction when rendered). */
function withMs(date: Date, ms: number): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000 + ms);
}

function seedUsers(): SandboxUser[] {
  const user = (id: number, name: string, extra: Partial<SandboxUser> = {}): SandboxUser => ({
    id,
    username: `sandbox-${name}`,
    token: `sandbox-${name}-token`,
    isStaff: false,
    hostTeamIds: [],
    emailVerified: true,
    tokenState: 'valid',
    ...extra,
  });
  const hosts = [1, 2, 3, 4, 5, 6, 7, 8].map((t) =>
    user(t + 1, `host-${t}`, { token: `sandbox-host-token-${t}`, hostTeamIds: [t] }),
  );
  return [
    user(1, 'staff', { isStaff: true }),
    ...hosts,
    user(10, 'participant'),
    user(11, 'expired', { tokenState: 'expired' }),
    user(12, 'blacklisted', { tokenState: 'blacklisted' }),
    user(13, 'unverified', { emailVerified: false, hostTeamIds: [1] }),
    user(14, 'inactive', { isActive: false }),
  ];
}

function seedHostTeams(): SandboxHostTeam[] {
  const names = ['Sandbox ECS Hosts', 'Sandbox EC2 Hosts', 'Sandbox EKS Hosts', 'Sandbox Submission Hosts'];
  return [1, 2, 3, 4, 5, 6, 7, 8].map((id) => ({
    id,
    team_name: names[id - 1] ?? `Archive Hosts ${String.fromCharCode(60 + id)}`,
    created_by: `sandbox-host-${id}`,
    team_url: id <= 4 ? '' : `https://example.org/archive-hosts-${id}`,
  }));
}

class SeedBuilder {
  readonly state: SandboxState = {
    users: seedUsers(),
    hostTeams: seedHostTeams(),
    challenges: new Map(),
    phases: new Map(),
    submissions: new Map(),
    ec2Instances: new Map(),
    files: new Map(),
  };
  private nextSubmissionId = 1;
  private nextClusterId = 1;

  constructor(readonly now: Date) {}

  ago(ms: number): Date {
    return new Date(this.now.getTime() - ms);
  }

  in(ms: number): Date {
    return new Date(this.now.getTime() + ms);
  }

  challenge(id: number, overrides: Partial<SandboxChallenge>, phases = 2): SandboxChallenge {
    const challenge = makeChallenge(id, this.now, overrides);
    this.state.challenges.set(id, challenge);
    for (const phase of makePhases(id, phases)) this.state.phases.set(phase.id, phase);
    return challenge;
  }

  submission(challengeId: number, submittedAt: Date, overrides: Partial<SandboxSubmission> = {}, id?: number): SandboxSubmission {
    const submissionId = id ?? this.nextSubmissionId++;
    const s = makeSubmission(submissionId, challengeId * 10 + 1, submittedAt, overrides);
    this.state.submissions.set(submissionId, s);
    const files: [string | null, string][] = [
      [s.stdout_file, `Evaluating submission ${submissionId}\nDone.\n`],
      [s.stderr_file, ''],
      [s.environment_log_file, `worker: sandbox\nsubmission: ${submissionId}\n`],
      [s.submission_result_file, JSON.stringify([{ split: 'test', accuracies: { Accuracy: 0.5 } }])],
      [s.input_file, '{"predictions": []}'],
    ];
    for (const [url, content] of files) if (url) this.state.files.set(url, content);
    return s;
  }

  pending(challengeId: number, statuses: string[]): void {
    statuses.forEach((status, i) => {
      this.submission(challengeId, withMs(this.ago((i + 1) * 17 * MINUTE_MS), 100 + i * 37), { status });
    });
  }

  cluster(challenge: SandboxChallenge, nodegroup: string | null): void {
    challenge.cluster = makeCluster(this.nextClusterId++, challenge.id, nodegroup);
  }
}

function seedBackground(b: SeedBuilder): void {
  const rng = mulberry32(20240501);
  for (let id = 1; id <= 300; id += 1) {
    const topic = TOPICS[id % TOPICS.length]!;
    const [domain, domainName] = DOMAINS[id % DOMAINS.length]!;
    const active = id > 285;
    const durationDays = 30 + Math.floor(rng() * 150);
    const end = active
      ? b.in((10 + Math.floor(rng() * 80)) * DAY_MS)
      : b.ago((30 + (300 - id) * 6 + Math.floor(rng() * 5)) * DAY_MS);
    const start = active ? b.ago((5 + Math.floor(rng() * 55)) * DAY_MS) : new Date(end.getTime() - durationDays * DAY_MS);
    const fraction = rng() < 0.3;
    const approved = rng() < 0.9;
    const published = approved ? rng() < 0.95 : rng() < 0.3;
    const challenge = b.challenge(
      id,
      {
        title: `${topic} Challenge ${2019 + (id % 6)} #${id}`,
        start_date: fraction ? withMs(start, 1 + Math.floor(rng() * 998)) : wholeSeconds(start),
        end_date: fraction ? withMs(end, 1 + Math.floor(rng() * 998)) : wholeSeconds(end),
        created_at: withMs(new Date(start.getTime() - 20 * DAY_MS), 1 + Math.floor(rng() * 998)),
        domain,
        domain_name: domainName,
        list_tags: [topic.split(' ')[0]!.toLowerCase()],
        has_prize: rng() < 0.2,
        approved_by_admin: approved,
        published,
        workers: id % 41 === 0 ? 0 : null,
        creatorTeamId: 5 + (id % 4),
      },
      1 + (id % 3),
    );
    if (id % 7 === 0) {
      for (const [i, status] of ['finished', 'finished', 'failed', 'cancelled'].entries()) {
        const at = withMs(new Date(challenge.start_date!.getTime() + (i + 1) * 3 * DAY_MS), 10 + i * 111);
        b.submission(id, at, { status });
      }
    }
  }
}

function seedEcs(b: SeedBuilder): void {
  b.challenge(301, { title: 'Sandbox: active, 3 pending, workers null (start)' });
  b.pending(301, ['submitted', 'submitted', 'submitted']);
  b.challenge(302, { title: 'Sandbox: active, 2 pending, workers 0 (start)', workers: 0 });
  b.pending(302, ['submitted', 'queued']);
  b.challenge(303, { title: 'Sandbox: active, idle, workers 1 (stop)', workers: 1 });
  for (let i = 0; i < 5; i += 1) b.submission(303, withMs(b.ago((i + 2) * DAY_MS), 250 + i), { status: 'finished' });
  b.challenge(304, { title: 'Sandbox: active, busy, workers 1 (nothing to do)', workers: 1 });
  b.pending(304, ['running', 'submitted', 'submitted']);
  b.challenge(305, {
    title: 'Sandbox: ended 3 days ago, idle, workers 1 (stop-idle)',
    start_date: wholeSeconds(b.ago(90 * DAY_MS)),
    end_date: wholeSeconds(b.ago(3 * DAY_MS)),
    workers: 1,
  });
  b.challenge(306, {
    title: 'Sandbox: ended 2 days ago, 2 pending, workers 1 (draining)',
    start_date: wholeSeconds(b.ago(60 * DAY_MS)),
    end_date: wholeSeconds(b.ago(2 * DAY_MS)),
    workers: 1,
  });
  b.pending(306, ['running', 'submitted']);
  b.challenge(307, { title: 'Sandbox: remote evaluation, active, 2 pending, workers null', remote_evaluation: true });
  b.pending(307, ['submitted', 'submitted']);
}

function seedEc2(b: SeedBuilder): void {
  const ec2 = (id: number, title: string, overrides: Partial<SandboxChallenge> = {}): void => {
    b.challenge(id, {
      title,
      uses_ec2_worker: true,
      creatorTeamId: 2,
      ec2_instance_id: instanceIdFor(id),
      worker_instance_type: 'g4dn.xlarge',
      ...overrides,
    });
  };
  const instance = (id: number, state: 'stopped' | 'running' | 'pending', checksOk = state === 'running'): void => {
    const launched = wholeSeconds(b.ago((id % 5) * HOUR_MS + 2 * DAY_MS));
    b.state.ec2Instances.set(instanceIdFor(id), makeInstance(instanceIdFor(id), state, launched, { statusChecksOk: checksOk }));
  };
  ec2(308, 'Sandbox EC2: instance stopped, 2 pending (start)');
  instance(308, 'stopped');
  b.pending(308, ['submitted', 'submitted']);
  ec2(309, 'Sandbox EC2: instance running, idle (stop)');
  instance(309, 'running');
  ec2(310, 'Sandbox EC2: instance running, busy (nothing to do)');
  instance(310, 'running');
  b.pending(310, ['running']);
  ec2(311, 'Sandbox EC2: instance booting (pending), 1 pending');
  instance(311, 'pending');
  b.pending(311, ['submitted']);
  ec2(312, 'Sandbox EC2: instance running, status checks not ready, idle');
  instance(312, 'running', false);
  ec2(313, 'Sandbox EC2: ended 5 days ago, instance running, idle (stop allowed)', {
    start_date: wholeSeconds(b.ago(70 * DAY_MS)),
    end_date: wholeSeconds(b.ago(5 * DAY_MS)),
  });
  instance(313, 'running');
  ec2(314, 'Sandbox EC2: no instance id (null), 1 pending', { ec2_instance_id: null });
  b.pending(314, ['submitted']);
}

function seedEks(b: SeedBuilder): void {
  const docker = (id: number, title: string, overrides: Partial<SandboxChallenge> = {}): SandboxChallenge =>
    b.challenge(id, {
      title,
      is_docker_based: true,
      creatorTeamId: 3,
      job_cpu_cores: '2000m',
      job_memory: '8Gi',
      max_worker_instance: 4,
      aws_account_id: '123456789012',
      ...overrides,
    });
  b.cluster(docker(315, 'Sandbox EKS: cluster with nodegroup, 4 pending'), 'evalai-sandbox-315-nodegroup');
  b.pending(315, ['running', 'submitted', 'submitted', 'submitted']);
  b.cluster(docker(316, 'Sandbox EKS: cluster, nodegroup_name unknown (null), idle'), null);
  docker(317, 'Sandbox EKS: docker-based without a cluster, 1 pending');
  b.pending(317, ['submitted']);
  const ended = docker(318, 'Sandbox EKS: cluster, ended 60 days ago (past the autoscale grace period)', {
    start_date: wholeSeconds(b.ago(200 * DAY_MS)),
    end_date: wholeSeconds(b.ago(60 * DAY_MS)),
  });
  b.cluster(ended, 'evalai-sandbox-318-nodegroup');
}

function seedOddOnes(b: SeedBuilder): void {
  b.challenge(319, {
    title: 'Sandbox: unapproved, private, 10 days old, workers 1',
    approved_by_admin: false,
    published: false,
    is_approval_requested: false,
    start_date: wholeSeconds(b.ago(10 * DAY_MS)),
    created_at: withMs(b.ago(10 * DAY_MS), 733),
    workers: 1,
  });
  b.challenge(320, {
    title: 'Sandbox: disabled, ended, workers 1, 1 pending',
    is_disabled: true,
    start_date: wholeSeconds(b.ago(40 * DAY_MS)),
    end_date: wholeSeconds(b.ago(1 * DAY_MS)),
    workers: 1,
  });
  b.pending(320, ['submitted']);
  b.challenge(321, {
    title: 'Sandbox: starts in 7 days, workers null',
    start_date: wholeSeconds(b.in(7 * DAY_MS)),
    end_date: wholeSeconds(b.in(97 * DAY_MS)),
  });
  b.challenge(322, { title: 'Sandbox: approved but private, active, 1 pending', published: false });
  b.pending(322, ['submitted']);
}

function seedStaleSubmissions(b: SeedBuilder): void {
  const id = SEEDED.staleSubmissions;
  const ids = SEEDED.submissions;
  b.challenge(id, {
    title: 'Sandbox: active, workers 1, stale and fresh submissions (cancel-stale)',
    creatorTeamId: 4,
    workers: 1,
    start_date: wholeSeconds(b.ago(60 * DAY_MS)),
    allow_host_cancel_submissions: true,
  });
  const day = (n: number, ms: number): Date => withMs(b.ago(n * DAY_MS), ms);
  b.submission(id, day(20, 123), { status: 'submitted' }, ids.staleSubmitted);
  b.submission(id, day(20, 456), { status: 'running', started_at: withMs(b.ago(20 * DAY_MS - 5 * MINUTE_MS), 789) }, ids.staleRunning);
  b.submission(id, day(25, 321), { status: 'resuming', rerun_resumed_at: day(20, 654) }, ids.staleResuming);
  b.submission(id, day(20, 987), { status: 'queued', job_name: ['submission-90004-job'] }, ids.staleQueued);
  b.submission(id, wholeSeconds(b.ago(18 * DAY_MS)), { status: 'submitted' }, ids.staleWholeSecond);
  b.submission(id, withMs(b.ago(2 * HOUR_MS), 111), { status: 'submitted' }, ids.freshSubmitted);
  b.submission(id, withMs(b.ago(3 * HOUR_MS), 222), { status: 'running' }, ids.freshRunning);
  b.submission(id, day(30, 333), { status: 'submitted', rerun_resumed_at: withMs(b.ago(HOUR_MS), 444) }, ids.rerunRecent);
  b.submission(id, day(40, 555), { status: 'finished' }, ids.finishedOld);
  b.submission(id, day(40, 666), { status: 'failed' }, ids.failedOld);
  b.submission(id, day(40, 777), { status: 'cancelled' }, ids.cancelledOld);
  b.submission(
    id,
    day(16, 888),
    { status: 'submitted', created_by: 99, participant_team: 502, participant_team_name: 'Other Team' },
    ids.staleOtherParticipant,
  );
}

export function defaultSeed(now: Date): SandboxState {
  const b = new SeedBuilder(now);
  seedBackground(b);
  seedEcs(b);
  seedEc2(b);
  seedEks(b);
  seedOddOnes(b);
  seedStaleSubmissions(b);
  return b.state;
}
