import type { EnvMode } from '../../runtime/env-mode.js';

/** What an operator configures for scale-workers (from ENV and flags). */
export interface ScaleWorkersPolicy {
  /** staging or prod: remote-evaluation challenges are the host's business (upstream: prod only). */
  mode: EnvMode;
  /** Challenges with `uses_ec2_worker` belong to scale-ec2 unless this is set. */
  includeEc2: boolean;
}
