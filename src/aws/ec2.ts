import type { EC2Client, InstanceStateChange } from '@aws-sdk/client-ec2';
import { isEc2StateName, type Ec2StateName } from './ec2-states.js';
import { AwsError, toAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';

const { DescribeInstancesCommand, StartInstancesCommand, StopInstancesCommand } = ec2Sdk(); // required, not imported: aws/sdk.ts

export { EC2_STATES, isEc2StateName, type Ec2StateName } from './ec2-states.js';

/** What the commands need to know about one instance, as plain data. */
export interface Ec2InstanceInfo {
  instanceId: string;
  state: Ec2StateName;
  instanceType?: string;
}

export interface Ec2StateChange {
  instanceId: string;
  previousState?: string;
  currentState?: string;
}

/** DescribeInstances for one id. An id AWS answers with no instance is a not-found error. */
export async function describeInstance(client: EC2Client, instanceId: string): Promise<Ec2InstanceInfo> {
  const operation = 'EC2 DescribeInstances';
  let out;
  try {
    out = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  } catch (err) {
    throw toAwsError(err, operation, `instance ${instanceId}`);
  }
  const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  const instance = instances.find((i) => i.InstanceId === instanceId) ?? instances[0];
  if (!instance) {
    throw new AwsError('not-found', operation, undefined, `instance ${instanceId}: AWS returned no instance for this id`);
  }
  const state = instance.State?.Name;
  if (!isEc2StateName(state)) {
    throw new AwsError('aws-error', operation, undefined, `instance ${instanceId}: unexpected state ${JSON.stringify(state ?? null)}`);
  }
  return { instanceId: instance.InstanceId ?? instanceId, state, instanceType: instance.InstanceType };
}

export async function startInstance(client: EC2Client, instanceId: string): Promise<Ec2StateChange> {
  try {
    const out = await client.send(new StartInstancesCommand({ InstanceIds: [instanceId] }));
    return stateChange(out.StartingInstances, instanceId);
  } catch (err) {
    throw toAwsError(err, 'EC2 StartInstances', `instance ${instanceId}`);
  }
}

export async function stopInstance(client: EC2Client, instanceId: string): Promise<Ec2StateChange> {
  try {
    const out = await client.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
    return stateChange(out.StoppingInstances, instanceId);
  } catch (err) {
    throw toAwsError(err, 'EC2 StopInstances', `instance ${instanceId}`);
  }
}

function stateChange(changes: InstanceStateChange[] | undefined, instanceId: string): Ec2StateChange {
  const change = changes?.find((c) => c.InstanceId === instanceId) ?? changes?.[0];
  return { instanceId, previousState: change?.PreviousState?.Name, currentState: change?.CurrentState?.Name };
}
