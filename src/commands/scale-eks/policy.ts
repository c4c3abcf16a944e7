import type { AwsCredentials } from '../../aws/clients.js';
import type { HoldPolicy } from '../../state/hold.js';

/**
 * Where scale-eks gets its list of challenges: the upstream JSON config file of host tokens
 * (JSON_PATH or --config-file), or EvalAI's Lambda-auth autoscale endpoints (LAMBDA_AUTH_TOKEN).
 */
export type EksSource = { kind: 'file'; path: string } | { kind: 'lambda'; token: string };

/** What an operator configures for scale-eks. HoldPolicy: --scale-down-delay, --min-uptime (off by default). */
export interface ScaleEksPolicy extends HoldPolicy {
  source: EksSource;
  /** Credentials for config entries without aws_keys: EKS_AWS_* keys, else the SDK's default chain. */
  defaultCredentials: AwsCredentials;
  /** Region when neither the entry nor autoscale_meta names one: EKS_AWS_REGION or --region. */
  defaultRegion?: string;
  /** Lambda mode: the role assumed in a host's account (EKS_AUTOSCALE_CROSS_ACCOUNT_ROLE_NAME). */
  crossAccountRoleName: string;
  /** Timeout of each AWS call. */
  awsTimeoutMs: number;
}

/**
 * The bounds a challenge's nodegroup is scaled within. desiredCap: the most nodes a scale-up asks
 * for (scale_up_desired_size, or autoscale_meta's scale_up_cap). maxSize: the nodegroup's maxSize
 * whenever it is written (max_size, else the desired cap); never unbounded, never below desiredCap.
 */
export interface EksCaps {
  desiredCap: number;
  maxSize: number;
}
