/**
 * Every EvalAI path the commands call, exactly as the server's routes are written (contract §1.1):
 * slashed where the route has a slash, unslashed where it has none. A wrong form is a 301 or an
 * HTML 404, which the transport treats as an error.
 */
export type ChallengeTime = 'all' | 'future' | 'past' | 'present';
export type ChallengeApproval = 'all' | 'approved' | 'unapproved';
export type ChallengePublication = 'all' | 'public' | 'private';

export const paths = {
  challengeList: (time: ChallengeTime = 'all', approved: ChallengeApproval = 'all', published: ChallengePublication = 'all') =>
    `/api/challenges/challenge/${time}/${approved}/${published}`,
  challengeByPk: (pk: number) => `/api/challenges/challenge/${pk}/`,
  metricsByPk: (pk: number) => `/api/challenges/challenge/get_submission_metrics_by_pk/${pk}/`,
  manageWorker: (pk: number, action: string) => `/api/challenges/${pk}/manage_worker/${action}/`,
  manageEc2Instance: (pk: number, action: string) => `/api/challenges/${pk}/manage_ec2_instance/${action}/`,
  ec2InstanceDetails: (pk: number) => `/api/challenges/${pk}/get_ec2_instance_details/`,
  evaluationCluster: (pk: number) => `/api/challenges/${pk}/evaluation_cluster/`,
  submissions: (pk: number) => `/api/jobs/challenge/${pk}/submission/`,
  updateSubmission: (pk: number) => `/api/jobs/challenge/${pk}/update_submission/`,
  submissionByPk: (id: number) => `/api/jobs/submission/${id}`,
  pendingSubmissionCount: (pk: number) => `/api/challenges/challenge/${pk}/pending_submission_count/`,
  autoscaleMeta: (pk: number) => `/api/challenges/challenge/${pk}/autoscale_meta/`,
  autoscaleEligibleChallenges: () => '/api/challenges/challenge/autoscale_eligible_challenges/',
} as const;
