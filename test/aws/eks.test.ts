import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { describeNodegroup, listNodegroups, updateNodegroupScaling } from '../../src/aws/eks.js';
import { eksError } from './helpers.js';

const eksMock = mockClient(EKSClient);
const client = new EKSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });

beforeEach(() => eksMock.reset());
afterAll(() => eksMock.restore());

describe('listNodegroups', () => {
  it('reads every page', async () => {
    eksMock
      .on(ListNodegroupsCommand)
      .resolvesOnce({ nodegroups: ['ng-a', 'ng-b'], nextToken: 't2' })
      .resolvesOnce({ nodegroups: ['ng-c'] });
    expect(await listNodegroups(client, 'evalai-c')).toEqual(['ng-a', 'ng-b', 'ng-c']);
    expect(eksMock.commandCalls(ListNodegroupsCommand).map((c) => c.args[0].input)).toEqual([{ clusterName: 'evalai-c' }, { clusterName: 'evalai-c', nextToken: 't2' }]);
  });

  it('an unknown cluster is a clear not-found', async () => {
    eksMock.on(ListNodegroupsCommand).rejects(eksError('ResourceNotFoundException', 'No cluster found for name: nope.'));
    await expect(listNodegroups(client, 'nope')).rejects.toMatchObject({ kind: 'not-found', message: expect.stringMatching(/^EKS ListNodegroups: cluster nope: not found/) });
  });

  it('stops on a runaway nextToken', async () => {
    eksMock.on(ListNodegroupsCommand).resolves({ nodegroups: ['ng'], nextToken: 'again' });
    await expect(listNodegroups(client, 'c')).rejects.toMatchObject({ message: expect.stringMatching(/more than 20 pages/) });
  });
});

describe('describeNodegroup', () => {
  it('sends the cluster and nodegroup and returns the scaling config', async () => {
    eksMock.on(DescribeNodegroupCommand).resolves({ nodegroup: { status: 'ACTIVE', scalingConfig: { minSize: 0, maxSize: 3, desiredSize: 1 } } });
    expect(await describeNodegroup(client, 'c', 'ng')).toEqual({ clusterName: 'c', nodegroupName: 'ng', status: 'ACTIVE', scaling: { minSize: 0, maxSize: 3, desiredSize: 1 } });
    expect(eksMock.commandCalls(DescribeNodegroupCommand)[0]!.args[0].input).toEqual({ clusterName: 'c', nodegroupName: 'ng' });
  });

  it('an incomplete scaling config is an error', async () => {
    eksMock.on(DescribeNodegroupCommand).resolves({ nodegroup: { status: 'ACTIVE', scalingConfig: { minSize: 0, maxSize: 3 } } });
    await expect(describeNodegroup(client, 'c', 'ng')).rejects.toMatchObject({ message: expect.stringMatching(/no complete scalingConfig/) });
  });
});

describe('updateNodegroupScaling', () => {
  it('sends exactly the target scaling config and returns the update id', async () => {
    eksMock.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'upd-1', status: 'InProgress' } });
    expect(await updateNodegroupScaling(client, 'c', 'ng', { minSize: 1, desiredSize: 2, maxSize: 4 })).toBe('upd-1');
    expect(eksMock.commandCalls(UpdateNodegroupConfigCommand)[0]!.args[0].input).toEqual({
      clusterName: 'c',
      nodegroupName: 'ng',
      scalingConfig: { minSize: 1, maxSize: 4, desiredSize: 2 },
    });
  });

  it('InvalidParameterException gets its reason', async () => {
    eksMock.on(UpdateNodegroupConfigCommand).rejects(eksError('InvalidParameterException', 'Minimum capacity 2 can\'t be greater than desired size 1'));
    await expect(updateNodegroupScaling(client, 'c', 'ng', { minSize: 2, desiredSize: 1, maxSize: 4 })).rejects.toMatchObject({
      kind: 'invalid-parameter',
      message: expect.stringMatching(/^EKS UpdateNodegroupConfig: nodegroup ng of cluster c: AWS refused the parameters/),
    });
  });
});
