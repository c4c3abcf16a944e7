import type { EnvMode } from '../../runtime/env-mode.js';
import type { HoldPolicy } from '../../state/hold.js';
import type { HybridKeepAlive } from './keep-alive.js';

/**
 * What an operator configures for scale-workers (from ENV and flags). The HoldPolicy options
 * (--scale-down-delay, --min-uptime; off by default) only ever keep a worker longer.
 */
export interface ScaleWorkersPolicy extends HoldPolicy {
  /** staging or prod: remote-evaluation challenges are the host's business (upstream: prod only). */
  mode: EnvMode;
  /** Challenges with `uses_ec2_worker` belong to scale-ec2 unless this is set. */
  includeEc2: boolean;
  /** The hybrid histogram keep-alive / pre-warm (keep-alive.ts); absent: off (simulate only so far). */
  keepAlive?: HybridKeepAlive;
}
