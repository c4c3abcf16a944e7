import { DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { describeInstance, startInstance, stopInstance } from '../../src/aws/ec2.js';
import { ec2Error } from './helpers.js';

const ec2Mock = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const ID = 'i-0123456789abcdef0';

beforeEach(() => ec2Mock.reset());
afterAll(() => ec2Mock.restore());

describe('describeInstance', () => {
  it('sends DescribeInstances for exactly this id and returns plain data', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: ID, InstanceType: 'g4dn.xlarge', State: { Code: 80, Name: 'stopped' } }] }],
    });
    expect(await describeInstance(client, ID)).toEqual({ instanceId: ID, state: 'stopped', instanceType: 'g4dn.xlarge' });
    const calls = ec2Mock.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ InstanceIds: [ID] });
  });

  it('an answer without the instance is not-found', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await expect(describeInstance(client, ID)).rejects.toMatchObject({ kind: 'not-found', message: expect.stringMatching(/AWS returned no instance for this id/) });
  });

  it('an unknown id is a clear not-found', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('InvalidInstanceID.NotFound', `The instance ID '${ID}' does not exist`));
    await expect(describeInstance(client, ID)).rejects.toMatchObject({
      kind: 'not-found',
      code: 'InvalidInstanceID.NotFound',
      message: expect.stringMatching(/^EC2 DescribeInstances: instance i-0123456789abcdef0: AWS does not know this instance/),
    });
  });

  it('an unexpected state name is an error, not a guess', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: ID, State: { Name: 'hibernating' as never } }] }] });
    await expect(describeInstance(client, ID)).rejects.toMatchObject({ kind: 'aws-error', message: expect.stringMatching(/unexpected state "hibernating"/) });
  });
});

describe('startInstance / stopInstance', () => {
  it('StartInstances with exactly this id', async () => {
    ec2Mock.on(StartInstancesCommand).resolves({ StartingInstances: [{ InstanceId: ID, PreviousState: { Name: 'stopped' }, CurrentState: { Name: 'pending' } }] });
    expect(await startInstance(client, ID)).toEqual({ instanceId: ID, previousState: 'stopped', currentState: 'pending' });
    expect(ec2Mock.commandCalls(StartInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [ID] }]);
    expect(ec2Mock.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });

  it('StopInstances with exactly this id (no Force, no Hibernate)', async () => {
    ec2Mock.on(StopInstancesCommand).resolves({ StoppingInstances: [{ InstanceId: ID, PreviousState: { Name: 'running' }, CurrentState: { Name: 'stopping' } }] });
    expect(await stopInstance(client, ID)).toEqual({ instanceId: ID, previousState: 'running', currentState: 'stopping' });
    expect(ec2Mock.commandCalls(StopInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [ID] }]);
  });

  it('IncorrectInstanceState is a soft failure', async () => {
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('IncorrectInstanceState', 'The instance is not in a state from which it can be started.'));
    const err = await startInstance(client, ID).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'incorrect-state', soft: true });
  });
});
