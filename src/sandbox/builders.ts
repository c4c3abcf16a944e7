/**
 * Builders for state records with realistic defaults, used by the seed and handy in tests
 * (`sandbox.state.challenges.set(id, makeChallenge(id, now, {...}))`).
 */
import { createHash } from 'node:crypto';
import { MEDIA_ORIGIN } from './files.js';
import type { Ec2StateName, SandboxChallenge, SandboxCluster, SandboxEc2Instance, SandboxPhase, SandboxSubmission } from './state.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

function shortHash(text: string, length = 8): string {
  return createHash('sha1').update(text).digest('hex').slice(0, length);
}

function slugify(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** An active challenge (started 30 days ago, ends in 30 days) unless overridden. */
export function makeChallenge(id: number, now: Date, overrides: Partial<SandboxChallenge> = {}): SandboxChallenge {
  const title = overrides.title ?? `Sandbox challenge ${id}`;
  const slug = `${slugify(title).slice(0, 40)}-${id}`;
  const start = overrides.start_date === undefined ? new Date(now.getTime() - 30 * DAY_MS) : overrides.start_date;
  return {
    id,
    title,
    short_description: `${title}: a short description.`,
    description: `<p>${title}. Evaluation runs on EvalAI.</p>`,
    terms_and_conditions: '<p>Be nice.</p>',
    submission_guidelines: '<p>Upload a JSON file with your predictions.</p>',
    evaluation_details: '<p>Accuracy on the hidden test split.</p>',
    image: `${MEDIA_ORIGIN}/media/logos/${shortHash(`logo-${id}`)}.png`,
    start_date: start,
    end_date: new Date(now.getTime() + 30 * DAY_MS),
    domain: 'CV',
    domain_name: 'Computer Vision',
    challenge_usage_type: 'internal',
    list_tags: [],
    has_prize: false,
    has_sponsors: false,
    published: true,
    submission_time_limit: 86400,
    is_registration_open: true,
    enable_forum: true,
    anonymous_leaderboard: false,
    manual_participant_approval: false,
    leaderboard_description: null,
    allowed_email_domains: [],
    blocked_email_domains: [],
    banned_email_ids: [],
    require_complete_profile: false,
    max_team_members: null,
    approved_by_admin: true,
    is_approval_requested: true,
    forum_url: null,
    is_docker_based: false,
    is_static_dataset_code_upload: false,
    slug,
    max_docker_image_size: 42949672960,
    cli_version: null,
    remote_evaluation: false,
    allow_resuming_submissions: false,
    allow_host_cancel_submissions: false,
    allow_cancel_running_submissions: false,
    allow_participants_resubmissions: false,
    workers: null,
    created_at: new Date((start ?? now).getTime() - 14 * DAY_MS + 421),
    queue: `${slug}-${shortHash(`queue-${id}`)}`,
    worker_cpu_cores: 512,
    worker_memory: 1024,
    cpu_only_jobs: false,
    job_cpu_cores: null,
    job_memory: null,
    uses_ec2_worker: false,
    ec2_storage: 8,
    ephemeral_storage: 21,
    evaluation_module_error: null,
    worker_image_url: null,
    worker_python_version: '3.9.21',
    worker_instance_type: 'g4dn.xlarge',
    sqs_retention_period: 345600,
    use_fifo_sqs: false,
    github_repository: null,
    github_branch: null,
    is_frozen: false,
    is_submission_paused: false,
    creatorTeamId: 1,
    is_disabled: false,
    featured: false,
    ec2_instance_id: '',
    task_def_arn: '',
    max_worker_instance: 10,
    max_concurrent_submission_evaluation: 100000,
    aws_region: 'us-east-1',
    use_host_credentials: false,
    aws_account_id: null,
    cluster: null,
    ...overrides,
  };
}

export function makePhases(challengeId: number, count: number): SandboxPhase[] {
  const names = [
    ['Dev Phase', 'dev'],
    ['Test Phase', 'test'],
    ['Challenge Phase', 'challenge'],
  ] as const;
  return names.slice(0, count).map(([name, codename], i) => ({
    id: challengeId * 10 + i + 1,
    challenge: challengeId,
    name,
    codename: `${codename}-${challengeId}`,
  }));
}

export function fileUrl(submissionId: number, name: string): string {
  return `${MEDIA_ORIGIN}/media/submission_files/submission_${submissionId}/${shortHash(`${submissionId}-${name}`)}/${name}`;
}

/** A finished submission by the seeded participant unless overridden. */
export function makeSubmission(
  id: number,
  phaseId: number,
  submittedAt: Date,
  overrides: Partial<SandboxSubmission> = {},
): SandboxSubmission {
  const status = overrides.status ?? 'finished';
  const terminal = ['finished', 'failed', 'cancelled'].includes(status);
  const started = status === 'submitted' ? null : new Date(submittedAt.getTime() + 42_517);
  return {
    id,
    participant_team: 501,
    participant_team_name: 'Sandbox Participants',
    challenge_phase: phaseId,
    created_by: 10,
    status,
    input_file: fileUrl(id, 'predictions.json'),
    submission_input_file: null,
    stdout_file: terminal ? fileUrl(id, 'stdout.txt') : null,
    stderr_file: terminal ? fileUrl(id, 'stderr.txt') : null,
    submission_result_file: status === 'finished' ? fileUrl(id, 'submission_result.json') : null,
    environment_log_file: terminal ? fileUrl(id, 'environment_log.txt') : null,
    started_at: started,
    completed_at: terminal && started ? new Date(started.getTime() + 187_250) : null,
    submitted_at: submittedAt,
    rerun_resumed_at: null,
    method_name: 'baseline',
    method_description: 'A simple baseline.',
    project_url: '',
    publication_url: '',
    is_public: false,
    is_flagged: false,
    ignore_submission: false,
    is_baseline: false,
    is_verified_by_host: false,
    when_made_public: null,
    job_name: [],
    submission_metadata: null,
    submission_metadata_file: null,
    ...overrides,
  };
}

/** EC2 ids look real: `i-0ec2` + the challenge id, 17 hex digits in all. */
export function instanceIdFor(challengeId: number): string {
  return `i-0ec2${String(challengeId).padStart(13, '0')}`;
}

export function makeInstance(
  instanceId: string,
  state: Ec2StateName,
  launchTime: Date,
  overrides: Partial<SandboxEc2Instance> = {},
): SandboxEc2Instance {
  const n = parseInt(instanceId.slice(-4), 16) % 250;
  return {
    InstanceId: instanceId,
    InstanceType: 'g4dn.xlarge',
    state,
    statusChecksOk: state === 'running',
    LaunchTime: launchTime,
    ImageId: 'ami-0a1b2c3d4e5f60718',
    PrivateIpAddress: `172.31.${n}.${(n * 7) % 250 + 2}`,
    PublicIpAddress: state === 'running' ? `54.210.${n}.${(n * 3) % 250 + 2}` : null,
    AvailabilityZone: 'us-east-1a',
    SubnetId: 'subnet-0a1b2c3d4e5f60718',
    VpcId: 'vpc-0a1b2c3d4e5f60718',
    Tags: [{ Key: 'Name', Value: `evalai-sandbox-worker-${instanceId}` }],
    transitionAt: null,
    ...overrides,
  };
}

export function makeCluster(id: number, challengeId: number, nodegroupName: string | null): SandboxCluster {
  const name = `evalai-sandbox-${challengeId}-cluster`;
  const h = (s: string): string => shortHash(`${challengeId}-${s}`, 17);
  return {
    id,
    name,
    nodegroup_name: nodegroupName,
    cluster_endpoint: `https://${shortHash(name, 32).toUpperCase()}.gr7.us-east-1.eks.amazonaws.com`,
    cluster_ssl: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lCQURBTkJna3Foa2lHOXcwQkFRc0ZBREFWTVJNd0VRWURWUVFERXdwcmRXSmwKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=',
    cluster_yaml: `${MEDIA_ORIGIN}/media/cluster_yaml/${name}.yaml`,
    kube_config: `${MEDIA_ORIGIN}/media/kube_config/${name}.yaml`,
    eks_arn_role: 'arn:aws:iam::123456789012:role/evalai-code-upload-eks-role',
    node_group_arn_role: 'arn:aws:iam::123456789012:role/evalai-code-upload-nodegroup-role',
    ecr_all_access_policy_arn: 'arn:aws:iam::123456789012:policy/evalai-code-upload-ecr-all-access',
    vpc_id: `vpc-${h('vpc')}`,
    subnet_1_id: `subnet-${h('subnet-1')}`,
    subnet_2_id: `subnet-${h('subnet-2')}`,
    security_group_id: `sg-${h('sg')}`,
    internet_gateway_id: `igw-${h('igw')}`,
    route_table_id: `rtb-${h('rtb')}`,
    efs_id: `fs-${h('efs').slice(0, 8)}`,
    efs_security_group_id: `sg-${h('efs-sg')}`,
    efs_creation_token: `evalai-sandbox-${challengeId}-efs`,
    efs_mount_target_ids: [`fsmt-${h('mt-1')}`, `fsmt-${h('mt-2')}`],
  };
}
