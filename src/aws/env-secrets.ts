import type { Secrets } from '../runtime/secrets.js';

/**
 * Environment variables of the SDK's default chain (and the EKS defaults) that hold secrets: the SDK
 * reads them itself, and they are registered so that they never reach output. No SDK import here.
 */
export function registerAwsEnvSecrets(env: Record<string, string | undefined>, secrets: Secrets): void {
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'EKS_AWS_ACCESS_KEY_ID', 'EKS_AWS_SECRET_ACCESS_KEY', 'EKS_AWS_SESSION_TOKEN']) {
    secrets.add(env[name]);
  }
}
