/**
 * The sandbox's live, mutable state. Tests may read and edit `sandbox.state` directly;
 * the routes read it on every request, so edits take effect at once.
 *
 * Field names of challenges and submissions follow the JSON of contract §2.3 and §3.2 so
 * the serializers can copy them; hidden model fields (not in the JSON) are listed apart.
 */

/** `Submission.STATUS_OPTIONS` in declaration order (contract §3.1). */
export const SUBMISSION_STATUSES = [
  'submitted',
  'running',
  'failed',
  'cancelled',
  'resuming',
  'queued',
  'finished',
  'submitting',
  'archived',
  'partially_evaluated',
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/** The four statuses counted as pending by the scalers and `pending_submission_count`. */
export const PENDING_STATUSES = ['running', 'submitted', 'queued', 'resuming'] as const;

export type TokenState = 'valid' | 'expired' | 'blacklisted';

export interface SandboxUser {
  id: number;
  username: string;
  /** The JWT refresh token this user sends as `Authorization: Bearer <token>`. */
  token: string;
  isStaff: boolean;
  hostTeamIds: number[];
  emailVerified: boolean;
  tokenState: TokenState;
  /** Default true. An inactive user's valid token gives 401 `user_inactive`. */
  isActive?: boolean;
  /** Optional legacy 40-char key accepted as `Authorization: Token <key>`. */
  legacyKey?: string;
}

export interface SandboxHostTeam {
  id: number;
  team_name: string;
  /** Username of the creating user. */
  created_by: string;
  team_url: string;
}

/** A botocore `Error` member, as `manage_worker` reports it. */
export interface AwsErrorMember {
  Code: string;
  Message: string;
}

/** `ChallengeEvaluationCluster` (contract §2.10); `nodegroup_name` is not serialized there. */
export interface SandboxCluster {
  id: number;
  name: string;
  nodegroup_name: string | null;
  cluster_endpoint: string | null;
  cluster_ssl: string | null;
  cluster_yaml: string | null;
  kube_config: string | null;
  eks_arn_role: string | null;
  node_group_arn_role: string | null;
  ecr_all_access_policy_arn: string | null;
  vpc_id: string | null;
  subnet_1_id: string | null;
  subnet_2_id: string | null;
  security_group_id: string | null;
  internet_gateway_id: string | null;
  route_table_id: string | null;
  efs_id: string | null;
  efs_security_group_id: string | null;
  efs_creation_token: string | null;
  efs_mount_target_ids: string[];
}

/**
 * A challenge: the §2.3 fields (in serialization order, except `creator`, which is built
 * from `creatorTeamId`, and `is_active`, which is computed) plus hidden model fields.
 */
export interface SandboxChallenge {
  id: number;
  title: string;
  short_description: string | null;
  description: string | null;
  terms_and_conditions: string | null;
  submission_guidelines: string | null;
  evaluation_details: string | null;
  image: string | null;
  start_date: Date | null;
  end_date: Date | null;
  domain: string | null;
  domain_name: string | null;
  challenge_usage_type: string;
  list_tags: string[];
  has_prize: boolean;
  has_sponsors: boolean;
  published: boolean;
  submission_time_limit: number;
  is_registration_open: boolean;
  enable_forum: boolean;
  anonymous_leaderboard: boolean;
  manual_participant_approval: boolean;
  leaderboard_description: string | null;
  allowed_email_domains: string[];
  blocked_email_domains: string[];
  banned_email_ids: string[] | null;
  require_complete_profile: boolean;
  max_team_members: number | null;
  approved_by_admin: boolean;
  is_approval_requested: boolean;
  forum_url: string | null;
  is_docker_based: boolean;
  is_static_dataset_code_upload: boolean;
  slug: string | null;
  max_docker_image_size: number | null;
  cli_version: string | null;
  remote_evaluation: boolean;
  allow_resuming_submissions: boolean;
  allow_host_cancel_submissions: boolean;
  allow_cancel_running_submissions: boolean;
  allow_participants_resubmissions: boolean;
  /** null = never started or deleted, 0 = stopped, N = started with N tasks. */
  workers: number | null;
  created_at: Date | null;
  queue: string;
  worker_cpu_cores: number | null;
  worker_memory: number | null;
  cpu_only_jobs: boolean;
  job_cpu_cores: string | null;
  job_memory: string | null;
  uses_ec2_worker: boolean;
  ec2_storage: number;
  ephemeral_storage: number;
  evaluation_module_error: string | null;
  worker_image_url: string | null;
  worker_python_version: string;
  worker_instance_type: string | null;
  sqs_retention_period: number;
  use_fifo_sqs: boolean;
  github_repository: string | null;
  github_branch: string | null;
  is_frozen: boolean;
  is_submission_paused: boolean;

  // Hidden model fields (never serialized by ChallengeSerializer).
  creatorTeamId: number;
  is_disabled: boolean;
  featured: boolean;
  ec2_instance_id: string | null;
  task_def_arn: string;
  max_worker_instance: number;
  max_concurrent_submission_evaluation: number;
  aws_region: string;
  use_host_credentials: boolean;
  aws_account_id: string | null;
  cluster: SandboxCluster | null;
  /** Forces `manage_worker` (start/stop/restart/delete) to answer 200 Failure with this error. */
  workerFailure?: string | AwsErrorMember;
  /** Forces the EC2 start/stop/reboot call to raise this ClientError (400 Failure). */
  ec2Failure?: AwsErrorMember;
}

export interface SandboxPhase {
  id: number;
  challenge: number;
  name: string;
  codename: string;
}

/** A submission: the §3.2 fields (except the computed `execution_time`) plus hidden ones. */
export interface SandboxSubmission {
  id: number;
  participant_team: number;
  participant_team_name: string;
  challenge_phase: number;
  created_by: number;
  status: string;
  input_file: string | null;
  submission_input_file: string | null;
  stdout_file: string | null;
  stderr_file: string | null;
  submission_result_file: string | null;
  /** Serialized only for hosts of the challenge. */
  environment_log_file: string | null;
  started_at: Date | null;
  completed_at: Date | null;
  submitted_at: Date;
  rerun_resumed_at: Date | null;
  method_name: string;
  method_description: string;
  project_url: string;
  publication_url: string;
  is_public: boolean;
  is_flagged: boolean;
  ignore_submission: boolean;
  is_baseline: boolean;
  is_verified_by_host: boolean;
  when_made_public: Date | null;
  job_name: string[] | null;
  submission_metadata: unknown;

  // Hidden.
  submission_metadata_file: string | null;
}

export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

export interface SandboxEc2Instance {
  InstanceId: string;
  InstanceType: string;
  state: Ec2StateName;
  /** Both DescribeInstanceStatus checks (system and instance) are `ok`. */
  statusChecksOk: boolean;
  LaunchTime: Date;
  ImageId: string;
  PrivateIpAddress: string;
  /** Shown only while running. */
  PublicIpAddress: string | null;
  AvailabilityZone: string;
  SubnetId: string;
  VpcId: string;
  Tags: { Key: string; Value: string }[];
  /**
   * Set by the sandbox when it starts a transition (start, stop, boot checks): when the
   * clock reaches it, pending → running, stopping → stopped, or running checks → ok.
   * Seeded instances have none, so a seeded `pending` stays pending.
   */
  transitionAt: Date | null;
}

export interface SandboxState {
  users: SandboxUser[];
  hostTeams: SandboxHostTeam[];
  challenges: Map<number, SandboxChallenge>;
  phases: Map<number, SandboxPhase>;
  submissions: Map<number, SandboxSubmission>;
  ec2Instances: Map<string, SandboxEc2Instance>;
  /** url → content of every file the sandbox knows (seeded logs, files written by PUT update_submission). */
  files: Map<string, string>;
}

/** What a sandbox starts from; copied (structuredClone) so one seed can start many sandboxes. */
export type SandboxSeed = SandboxState;

export function stateFromSeed(seed: SandboxSeed): SandboxState {
  return structuredClone(seed);
}
