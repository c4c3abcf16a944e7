/** How scale-ec2 reaches the instances (flag --via, env SCALE_EC2_VIA). */
export type Ec2Via = 'evalai' | 'aws';

import type { HoldPolicy } from '../../state/hold.js';

/** What an operator configures for scale-ec2. HoldPolicy: --scale-down-delay, --min-uptime (off by default). */
export interface ScaleEc2Policy extends HoldPolicy {
  /**
   * `evalai` (default, as auto_scale_ec2_workers.py): get_ec2_instance_details and
   * manage_ec2_instance through EvalAI with a staff token. `aws`: DescribeInstances, StartInstances
   * and StopInstances directly with the SDK's default credentials.
   */
  via: Ec2Via;
  /** --instance <challenge>=<instance id>: ids known without asking EvalAI (aws mode). */
  instanceIds: ReadonlyMap<number, string>;
  /** --region (aws mode); otherwise the SDK's own (AWS_REGION, ~/.aws/config). */
  region?: string;
  /** Timeout of each AWS call. */
  awsTimeoutMs: number;
}
