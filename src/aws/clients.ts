import { createHash } from 'node:crypto';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { EKSClient } from '@aws-sdk/client-eks';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Secrets } from '../runtime/secrets.js';
import { guardMutations, type MutationLedger } from './mutation-guard.js';
import { noteSdkNodeSupport } from './sdk-node-support.js';
import { ec2Sdk, eksSdk, s3Sdk, sqsSdk, stsSdk } from './sdk.js';

/**
 * Where a client's credentials come from: the SDK's default chain (environment, ~/.aws, SSO, the
 * instance or task role), or explicit keys (a config-file entry, EKS_AWS_*, an assumed role).
 */
export type AwsCredentials =
  | { kind: 'default' }
  | {
      kind: 'static';
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
      /** Where they come from, for logs: "config entry 12", "EKS_AWS_*", "role arn:aws:iam::…". Never a key. */
      source: string;
    };

export const DEFAULT_CREDENTIALS: AwsCredentials = { kind: 'default' };

export interface AwsClientsOptions {
  /** Every key handed to a client is registered here, so it is scrubbed from all output. */
  secrets: Secrets;
  /** Connection and whole-request timeout of each AWS call. */
  timeoutMs: number;
  /**
   * When given, every client built refuses mutating calls once the run's signal has fired and
   * records each one sent (aws/mutation-guard.ts). `scale-pool` passes its run's ledger.
   */
  mutations?: MutationLedger;
  /** Where the SDK's Node-version notice is said, once per process, when the first client is built (aws/sdk-node-support.ts). */
  logger?: { warn: (fields: object, message: string) => void };
}

/**
 * The region a client built without one would use, as the SDK itself resolves it (AWS_REGION, then
 * the `region` of the profile in the shared config file), or undefined when there is none: asked
 * of the SDK's own region provider, so its rules are followed rather than re-implemented.
 */
export async function sdkDefaultRegion(): Promise<string | undefined> {
  const client = new (ec2Sdk().EC2Client)({});
  try {
    const region = await client.config.region();
    return region ? region : undefined;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

type Service = 'ec2' | 'eks' | 'sts' | 'sqs' | 's3';
type AnyClient = EC2Client | EKSClient | STSClient | SQSClient | S3Client;

/**
 * The only place SDK clients are built: one client per service, region and credentials, built (and
 * its package loaded, aws/sdk.ts) on first use and reused for the rest of the run (a cron run may touch many challenges in one
 * account). The endpoint is never set here: the SDK reads AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2,
 * AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SQS, AWS_MAX_ATTEMPTS and the region itself, so an operator
 * can aim every command at an emulator without a flag.
 */
export class AwsClients {
  private readonly cache = new Map<string, AnyClient>();

  // Everything a client needs (region, credentials, timeouts) is passed to its constructor; this
  // module never writes process.env. (The SDK's Node-version notice is quieted by the entry point,
  // src/cli/main.ts, since the SDK reads that switch only from the environment; it is said in the
  // log instead, by `logger`.)
  constructor(private readonly opts: AwsClientsOptions) {}

  ec2(region: string | undefined, credentials: AwsCredentials = DEFAULT_CREDENTIALS): EC2Client {
    return this.get('ec2', region, credentials, (config) => new (ec2Sdk().EC2Client)(config));
  }

  eks(region: string | undefined, credentials: AwsCredentials = DEFAULT_CREDENTIALS): EKSClient {
    return this.get('eks', region, credentials, (config) => new (eksSdk().EKSClient)(config));
  }

  sts(region: string | undefined, credentials: AwsCredentials = DEFAULT_CREDENTIALS): STSClient {
    return this.get('sts', region, credentials, (config) => new (stsSdk().STSClient)(config));
  }

  /**
   * scale-pool's `sqs` demand source (GetQueueAttributes). Requests go to the SDK's own endpoint
   * (the region's, or AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_SQS), not to the queue URL's host: by
   * default the SDK would send to the queue URL's host, ignoring AWS_ENDPOINT_URL with a warning
   * on stderr.
   */
  sqs(region: string | undefined, credentials: AwsCredentials = DEFAULT_CREDENTIALS): SQSClient {
    return this.get('sqs', region, credentials, (config) => new (sqsSdk().SQSClient)({ ...config, useQueueUrlAsEndpoint: false }));
  }

  /**
   * scale-pool's S3 coordination (the shared launch ledger). @aws-sdk/client-s3 is loaded here,
   * on first use, so runs without coordination never load it (as every client package: aws/sdk.ts). The endpoint is the SDK's own
   * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3).
   */
  async s3(region: string | undefined, credentials: AwsCredentials = DEFAULT_CREDENTIALS): Promise<S3Client> {
    return this.get('s3', region, credentials, (config) => new (s3Sdk().S3Client)(config));
  }

  /** How many clients were built (tests check reuse). */
  get size(): number {
    return this.cache.size;
  }

  /** Closes the sockets of every client built. */
  destroy(): void {
    for (const client of this.cache.values()) client.destroy();
    this.cache.clear();
  }

  private get<C extends AnyClient>(service: Service, region: string | undefined, credentials: AwsCredentials, build: (config: ClientConfig) => C): C {
    const key = `${service}|${region ?? ''}|${credentialsKey(credentials)}`;
    const cached = this.cache.get(key);
    if (cached) return cached as C;
    const config: ClientConfig = {
      requestHandler: { connectionTimeout: this.opts.timeoutMs, requestTimeout: this.opts.timeoutMs, throwOnRequestTimeout: true },
    };
    if (region) config.region = region;
    if (credentials.kind === 'static') {
      this.opts.secrets.add(credentials.accessKeyId);
      this.opts.secrets.add(credentials.secretAccessKey);
      this.opts.secrets.add(credentials.sessionToken);
      config.credentials = {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
      };
    }
    noteSdkNodeSupport(this.opts.logger);
    const client = build(config);
    if (this.opts.mutations) guardMutations(client, this.opts.mutations);
    this.cache.set(key, client);
    return client;
  }
}

interface ClientConfig {
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
}

/** Identifies credentials without keeping the secret in the cache key. */
function credentialsKey(c: AwsCredentials): string {
  if (c.kind === 'default') return 'default';
  const digest = createHash('sha256').update(`${c.secretAccessKey}\0${c.sessionToken ?? ''}`).digest('hex').slice(0, 16);
  return `static:${c.accessKeyId}:${digest}`;
}

export { registerAwsEnvSecrets } from './env-secrets.js';
