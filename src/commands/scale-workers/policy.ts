/** What an operator configures for scale-workers (from ENV and flags). */
export interface ScaleWorkersPolicy {
  /** ENV=prod or production: remote-evaluation challenges are the host's business (as upstream). */
  production: boolean;
  /** Challenges with `uses_ec2_worker` belong to scale-ec2 unless this is set. */
  includeEc2: boolean;
}
