/** The JSON shapes of contract §2.3 (challenge), §2.10 (cluster), §3.2 (submission) and phases. */
import { renderDrfDate } from './datetime.js';
import { ServerCrash } from './reply.js';
import type {
  SandboxChallenge,
  SandboxCluster,
  SandboxHostTeam,
  SandboxPhase,
  SandboxState,
  SandboxSubmission,
} from './state.js';

/** `Challenge.is_active`: `start_date < now < end_date`; a null date raises (→ HTML 500). */
export function isActive(challenge: SandboxChallenge, now: Date): boolean {
  if (!challenge.start_date || !challenge.end_date) {
    throw new ServerCrash("TypeError: '<' not supported between instances of 'datetime.datetime' and 'NoneType'");
  }
  return challenge.start_date < now && now < challenge.end_date;
}

export function serializeHostTeam(team: SandboxHostTeam | undefined, id: number): Record<string, unknown> {
  return {
    id,
    team_name: team?.team_name ?? `Host team ${id}`,
    created_by: team?.created_by ?? 'unknown',
    team_url: team?.team_url ?? '',
  };
}

export function serializeChallenge(c: SandboxChallenge, state: SandboxState, now: Date): Record<string, unknown> {
  return {
    id: c.id,
    title: c.title,
    short_description: c.short_description,
    description: c.description,
    terms_and_conditions: c.terms_and_conditions,
    submission_guidelines: c.submission_guidelines,
    evaluation_details: c.evaluation_details,
    image: c.image,
    start_date: renderDrfDate(c.start_date),
    end_date: renderDrfDate(c.end_date),
    creator: serializeHostTeam(
      state.hostTeams.find((t) => t.id === c.creatorTeamId),
      c.creatorTeamId,
    ),
    domain: c.domain,
    domain_name: c.domain_name,
    challenge_usage_type: c.challenge_usage_type,
    list_tags: c.list_tags,
    has_prize: c.has_prize,
    has_sponsors: c.has_sponsors,
    published: c.published,
    submission_time_limit: c.submission_time_limit,
    is_registration_open: c.is_registration_open,
    enable_forum: c.enable_forum,
    anonymous_leaderboard: c.anonymous_leaderboard,
    manual_participant_approval: c.manual_participant_approval,
    is_active: isActive(c, now),
    leaderboard_description: c.leaderboard_description,
    allowed_email_domains: c.allowed_email_domains,
    blocked_email_domains: c.blocked_email_domains,
    banned_email_ids: c.banned_email_ids,
    require_complete_profile: c.require_complete_profile,
    max_team_members: c.max_team_members,
    approved_by_admin: c.approved_by_admin,
    is_approval_requested: c.is_approval_requested,
    forum_url: c.forum_url,
    is_docker_based: c.is_docker_based,
    is_static_dataset_code_upload: c.is_static_dataset_code_upload,
    slug: c.slug,
    max_docker_image_size: c.max_docker_image_size,
    cli_version: c.cli_version,
    remote_evaluation: c.remote_evaluation,
    allow_resuming_submissions: c.allow_resuming_submissions,
    allow_host_cancel_submissions: c.allow_host_cancel_submissions,
    allow_cancel_running_submissions: c.allow_cancel_running_submissions,
    allow_participants_resubmissions: c.allow_participants_resubmissions,
    workers: c.workers,
    created_at: renderDrfDate(c.created_at),
    queue: c.queue,
    worker_cpu_cores: c.worker_cpu_cores,
    worker_memory: c.worker_memory,
    cpu_only_jobs: c.cpu_only_jobs,
    job_cpu_cores: c.job_cpu_cores,
    job_memory: c.job_memory,
    uses_ec2_worker: c.uses_ec2_worker,
    ec2_storage: c.ec2_storage,
    ephemeral_storage: c.ephemeral_storage,
    evaluation_module_error: c.evaluation_module_error,
    worker_image_url: c.worker_image_url,
    worker_python_version: c.worker_python_version,
    worker_instance_type: c.worker_instance_type,
    sqs_retention_period: c.sqs_retention_period,
    use_fifo_sqs: c.use_fifo_sqs,
    github_repository: c.github_repository,
    github_branch: c.github_branch,
    is_frozen: c.is_frozen,
    is_submission_paused: c.is_submission_paused,
  };
}

/** `ChallengeEvaluationClusterSerializer`: everything but `nodegroup_name`. */
export function serializeCluster(cluster: SandboxCluster, challengeId: number): Record<string, unknown> {
  return {
    id: cluster.id,
    challenge: challengeId,
    name: cluster.name,
    cluster_endpoint: cluster.cluster_endpoint,
    cluster_ssl: cluster.cluster_ssl,
    cluster_yaml: cluster.cluster_yaml,
    kube_config: cluster.kube_config,
    eks_arn_role: cluster.eks_arn_role,
    node_group_arn_role: cluster.node_group_arn_role,
    ecr_all_access_policy_arn: cluster.ecr_all_access_policy_arn,
    vpc_id: cluster.vpc_id,
    subnet_1_id: cluster.subnet_1_id,
    subnet_2_id: cluster.subnet_2_id,
    security_group_id: cluster.security_group_id,
    internet_gateway_id: cluster.internet_gateway_id,
    route_table_id: cluster.route_table_id,
    efs_id: cluster.efs_id,
    efs_security_group_id: cluster.efs_security_group_id,
    efs_creation_token: cluster.efs_creation_token,
    efs_mount_target_ids: cluster.efs_mount_target_ids,
  };
}

/** `completed_at - started_at` in seconds, or the literal string "None". */
function executionTime(s: SandboxSubmission): number | string {
  if (!s.started_at || !s.completed_at) return 'None';
  return (s.completed_at.getTime() - s.started_at.getTime()) / 1000;
}

/** `SubmissionSerializer`; `environment_log_file` only when the requester hosts the challenge. */
export function serializeSubmission(s: SandboxSubmission, requesterIsHost: boolean): Record<string, unknown> {
  return {
    id: s.id,
    participant_team: s.participant_team,
    participant_team_name: s.participant_team_name,
    execution_time: executionTime(s),
    challenge_phase: s.challenge_phase,
    created_by: s.created_by,
    status: s.status,
    input_file: s.input_file,
    submission_input_file: s.submission_input_file,
    stdout_file: s.stdout_file,
    stderr_file: s.stderr_file,
    submission_result_file: s.submission_result_file,
    ...(requesterIsHost ? { environment_log_file: s.environment_log_file } : {}),
    started_at: renderDrfDate(s.started_at),
    completed_at: renderDrfDate(s.completed_at),
    submitted_at: renderDrfDate(s.submitted_at),
    rerun_resumed_at: renderDrfDate(s.rerun_resumed_at),
    method_name: s.method_name,
    method_description: s.method_description,
    project_url: s.project_url,
    publication_url: s.publication_url,
    is_public: s.is_public,
    is_flagged: s.is_flagged,
    ignore_submission: s.ignore_submission,
    is_baseline: s.is_baseline,
    is_verified_by_host: s.is_verified_by_host,
    when_made_public: renderDrfDate(s.when_made_public),
    job_name: s.job_name,
    submission_metadata: s.submission_metadata,
  };
}

export function serializePhase(p: SandboxPhase): Record<string, unknown> {
  return { id: p.id, name: p.name, challenge: p.challenge, codename: p.codename };
}
