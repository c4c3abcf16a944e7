import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { EKSServiceException } from '@aws-sdk/client-eks';
import { STSServiceException } from '@aws-sdk/client-sts';

// As src/aws/clients.ts does: the SDK's multi-line Node-version notice is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** An error as the SDK throws it for an AWS error code (name = the code). */
export function ec2Error(code: string, message = `${code} message`): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

export function eksError(code: string, message = `${code} message`): EKSServiceException {
  return new EKSServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

export function stsError(code: string, message = `${code} message`): STSServiceException {
  return new STSServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 403 }, message });
}
