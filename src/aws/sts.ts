import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from './clients.js';
import { AwsError, toAwsError } from './errors.js';
import { stsSdk } from './sdk.js';

const { AssumeRoleCommand } = stsSdk(); // required, not imported: aws/sdk.ts

export const DEFAULT_CROSS_ACCOUNT_ROLE = 'evalai-autoscale-crossaccount';
export const ROLE_SESSION_NAME = 'evalai-eks-autoscale';

/** arn:aws:iam::<account>:role/<name> (the upstream Lambda's cross-account role). */
export function crossAccountRoleArn(accountId: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/**
 * STS AssumeRole: temporary credentials in another account, as static credentials for a client.
 * The keys are registered as secrets by the clients factory when a client is built with them.
 */
export async function assumeRole(client: STSClient, roleArn: string, sessionName = ROLE_SESSION_NAME): Promise<AwsCredentials & { kind: 'static'; expiration?: Date }> {
  const operation = 'STS AssumeRole';
  let out;
  try {
    out = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }));
  } catch (err) {
    throw toAwsError(err, operation, `role ${roleArn}`);
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new AwsError('aws-error', operation, undefined, `role ${roleArn}: the answer holds no complete credentials`);
  }
  return {
    kind: 'static',
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    source: `role ${roleArn}`,
    expiration: c.Expiration,
  };
}
