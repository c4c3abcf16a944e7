import type { HoldPolicy } from '../../state/hold.js';

/**
 * What an operator configures for scale-workers (from ENV and flags). The HoldPolicy options
 * (--scale-down-delay, --min-uptime; off by default) only ever keep a worker longer.
 */
export interface ScaleWorkersPolicy extends HoldPolicy {
  /** ENV=prod or production: remote-evaluation challenges are the host's business (as upstream). */
  production: boolean;
  /** Challenges with `uses_ec2_worker` belong to scale-ec2 unless this is set. */
  includeEc2: boolean;
}
