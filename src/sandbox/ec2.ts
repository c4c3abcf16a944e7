/**
 * The fake EC2 behind contract §2.8 and §2.9: instance state changes with a configurable
 * transition time, the boto3 `Instance` dict, and botocore ClientError responses.
 */
import { createHash } from 'node:crypto';
import { renderDrfDate } from './datetime.js';
import type { AwsErrorMember, Ec2StateName, SandboxEc2Instance } from './state.js';

const STATE_CODES: Record<Ec2StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** Applies transitions whose time has come: pending → running → checks ok; stopping → stopped. */
export function settleInstance(instance: SandboxEc2Instance, now: Date, transitionMs: number): void {
  while (instance.transitionAt && now >= instance.transitionAt) {
    const at = instance.transitionAt;
    instance.transitionAt = null;
    if (instance.state === 'pending') {
      instance.state = 'running';
      instance.statusChecksOk = false;
      instance.transitionAt = new Date(at.getTime() + transitionMs);
    } else if (instance.state === 'running') {
      instance.statusChecksOk = true;
    } else if (instance.state === 'stopping') {
      instance.state = 'stopped';
    }
  }
}

export function startInstance(instance: SandboxEc2Instance, now: Date, transitionMs: number): void {
  instance.state = 'pending';
  instance.statusChecksOk = false;
  instance.LaunchTime = new Date(Math.floor(now.getTime() / 1000) * 1000);
  instance.PublicIpAddress = publicIpFor(instance.InstanceId);
  instance.transitionAt = new Date(now.getTime() + transitionMs);
  settleInstance(instance, now, transitionMs); // A zero transition time settles at once.
}

export function stopInstance(instance: SandboxEc2Instance, now: Date, transitionMs: number): void {
  instance.state = 'stopping';
  instance.statusChecksOk = false;
  instance.PublicIpAddress = null;
  instance.transitionAt = new Date(now.getTime() + transitionMs);
  settleInstance(instance, now, transitionMs); // A zero transition time settles at once.
}

export function rebootInstance(instance: SandboxEc2Instance, now: Date, transitionMs: number): void {
  instance.statusChecksOk = false;
  instance.transitionAt = new Date(now.getTime() + transitionMs);
  settleInstance(instance, now, transitionMs); // A zero transition time settles at once.
}

function publicIpFor(instanceId: string): string {
  const h = createHash('sha256').update(instanceId).digest();
  return `54.${h[0]! % 256}.${h[1]! % 256}.${(h[2]! % 254) + 1}`;
}

/** The first instance of a DescribeInstances response, as boto3 returns it. */
export function describeInstance(i: SandboxEc2Instance): Record<string, unknown> {
  const launch = renderDrfDate(i.LaunchTime);
  const running = i.state === 'running';
  const privateDns = `ip-${i.PrivateIpAddress.replace(/\./g, '-')}.ec2.internal`;
  const eni = `eni-${i.InstanceId.slice(2)}`;
  return {
    AmiLaunchIndex: 0,
    ImageId: i.ImageId,
    InstanceId: i.InstanceId,
    InstanceType: i.InstanceType,
    LaunchTime: launch,
    Monitoring: { State: 'disabled' },
    Placement: { AvailabilityZone: i.AvailabilityZone, GroupName: '', Tenancy: 'default' },
    PrivateDnsName: privateDns,
    PrivateIpAddress: i.PrivateIpAddress,
    ProductCodes: [],
    PublicDnsName: running && i.PublicIpAddress ? `ec2-${i.PublicIpAddress.replace(/\./g, '-')}.compute-1.amazonaws.com` : '',
    ...(running && i.PublicIpAddress ? { PublicIpAddress: i.PublicIpAddress } : {}),
    State: { Code: STATE_CODES[i.state], Name: i.state },
    StateTransitionReason: i.state === 'stopped' ? 'User initiated' : '',
    SubnetId: i.SubnetId,
    VpcId: i.VpcId,
    Architecture: 'x86_64',
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/sda1',
        Ebs: { AttachTime: launch, DeleteOnTermination: true, Status: 'attached', VolumeId: `vol-${i.InstanceId.slice(2)}` },
      },
    ],
    ClientToken: '',
    EbsOptimized: true,
    EnaSupport: true,
    Hypervisor: 'xen',
    NetworkInterfaces: [
      {
        Attachment: { AttachTime: launch, AttachmentId: `eni-attach-${i.InstanceId.slice(2)}`, DeleteOnTermination: true, DeviceIndex: 0, Status: 'attached' },
        Description: '',
        Groups: [{ GroupName: 'evalai-workers', GroupId: 'sg-0a1b2c3d4e5f60718' }],
        MacAddress: '0e:12:34:56:78:9a',
        NetworkInterfaceId: eni,
        OwnerId: '123456789012',
        PrivateDnsName: privateDns,
        PrivateIpAddress: i.PrivateIpAddress,
        SourceDestCheck: true,
        Status: 'in-use',
        SubnetId: i.SubnetId,
        VpcId: i.VpcId,
      },
    ],
    RootDeviceName: '/dev/sda1',
    RootDeviceType: 'ebs',
    SecurityGroups: [{ GroupName: 'evalai-workers', GroupId: 'sg-0a1b2c3d4e5f60718' }],
    SourceDestCheck: true,
    Tags: i.Tags,
    VirtualizationType: 'hvm',
    CpuOptions: { CoreCount: 2, ThreadsPerCore: 2 },
  };
}

let requestCounter = 0;

/** A botocore ClientError `.response` dict (what the EC2 views put in `message`). */
export function botocoreErrorResponse(error: AwsErrorMember, now: Date): Record<string, unknown> {
  requestCounter += 1;
  const requestId = `5a1db0c5-0000-4000-8000-${String(requestCounter).padStart(12, '0')}`;
  return {
    Error: { Code: error.Code, Message: error.Message },
    ResponseMetadata: {
      RequestId: requestId,
      HTTPStatusCode: 400,
      HTTPHeaders: {
        'x-amzn-requestid': requestId,
        'cache-control': 'no-cache, no-store',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'content-type': 'text/xml;charset=UTF-8',
        'transfer-encoding': 'chunked',
        vary: 'accept-encoding',
        date: now.toUTCString(),
        connection: 'close',
        server: 'AmazonEC2',
      },
      RetryAttempts: 0,
    },
  };
}

/** The ClientError AWS gives for an id it does not know (or an empty id). */
export function unknownInstanceError(instanceId: string): AwsErrorMember {
  if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(instanceId)) {
    return { Code: 'InvalidInstanceID.Malformed', Message: `Invalid id: "${instanceId}"` };
  }
  return { Code: 'InvalidInstanceID.NotFound', Message: `The instance ID '${instanceId}' does not exist` };
}
