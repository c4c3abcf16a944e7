import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { assumeRole, crossAccountRoleArn } from '../../src/aws/sts.js';
import { stsError } from './helpers.js';

const stsMock = mockClient(STSClient);
const client = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });

beforeEach(() => stsMock.reset());
afterAll(() => stsMock.restore());

describe('assumeRole', () => {
  it('assumes the role with the upstream session name and returns static credentials', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 'sec', SessionToken: 'tok', Expiration: new Date(0) } });
    const arn = crossAccountRoleArn('123456789012', 'evalai-autoscale-crossaccount');
    expect(arn).toBe('arn:aws:iam::123456789012:role/evalai-autoscale-crossaccount');
    const c = await assumeRole(client, arn);
    expect(c).toMatchObject({ kind: 'static', accessKeyId: 'ASIAX', secretAccessKey: 'sec', sessionToken: 'tok', source: `role ${arn}` });
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({ RoleArn: arn, RoleSessionName: 'evalai-eks-autoscale' });
  });

  it('AccessDenied names the role', async () => {
    stsMock.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'User is not authorized to perform: sts:AssumeRole'));
    await expect(assumeRole(client, 'arn:aws:iam::1:role/r')).rejects.toMatchObject({ kind: 'access-denied', message: expect.stringMatching(/^STS AssumeRole: role arn:aws:iam::1:role\/r: access denied/) });
  });

  it('an answer without credentials is an error', async () => {
    stsMock.on(AssumeRoleCommand).resolves({});
    await expect(assumeRole(client, 'arn:aws:iam::1:role/r')).rejects.toMatchObject({ message: expect.stringMatching(/no complete credentials/) });
  });
});
