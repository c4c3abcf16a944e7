/**
 * AWS for the properties: aws-sdk-client-mock stubs of EC2, EKS and STS, each backed by a small
 * fake that keeps state (EC2 instances live in the sandbox state, so EvalAI and AWS agree),
 * answers as AWS would, injects the schedule's errors, and logs every call with its place among
 * the sandbox's requests, so that observations and mutations of both worlds can be ordered.
 */
import { DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { Sandbox } from '../../../src/sandbox/index.js';
import { ec2Error, eksError, stsError } from '../../aws/helpers.js';
import type { AwsErrorKind, AwsFaultSpec, AwsOp } from './schedule.js';
import type { Truth } from './sandbox-world.js';

export interface NodegroupState {
  status: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
}

export interface AwsCall {
  op: AwsOp;
  /** What the call is about: an instance id, `cluster/nodegroup`, a cluster, a role ARN. */
  key: string;
  /** The challenge it is about (undefined for AssumeRole). */
  challenge?: number;
  /** How many sandbox requests had arrived when the call was made. */
  stamp: number;
  /** 'ok': a well-formed answer; 'malformed': an answer the tool must not trust; 'error': thrown. */
  outcome: 'ok' | 'malformed' | 'error';
  /** A mutation that AWS carried out. */
  processed: boolean;
  input: Record<string, unknown>;
}

/** The AWS keys and STS credentials of a run: never in any output. */
export const STS_CREDENTIALS = {
  AccessKeyId: 'ASIAPROPERTYSTS00001',
  SecretAccessKey: 'sts/Property+Secret/Key0000000000000000',
  SessionToken: 'property-sts-session-token-0123456789',
};

const ec2Mock = mockClient(EC2Client);
const eksMock = mockClient(EKSClient);
const stsMock = mockClient(STSClient);

export function restoreAwsMocks(): void {
  ec2Mock.restore();
  eksMock.restore();
  stsMock.restore();
}

export interface AwsWorld {
  calls: AwsCall[];
  nodegroups: Map<string, Map<string, NodegroupState>>;
}

/**
 * Installs the fakes for one schedule. `nodegroups`: cluster name -> nodegroup name -> state.
 * `echoSecret` is quoted in error messages of faults with `echo`.
 */
export function installAws(opts: {
  sandbox: Sandbox;
  truth: Truth;
  faults: readonly AwsFaultSpec[];
  nodegroups: Map<string, Map<string, NodegroupState>>;
  echoSecret: string;
}): AwsWorld {
  const { sandbox, truth } = opts;
  const world: AwsWorld = { calls: [], nodegroups: opts.nodegroups };
  const counters = opts.faults.map(() => ({ seen: 0, applied: 0 }));
  let updates = 0;

  /** The schedule's fault for this call, if any (first match wins; each spec keeps its own skip/times). */
  const faultFor = (op: AwsOp, challenge: number | undefined): AwsFaultSpec | undefined => {
    let chosen: AwsFaultSpec | undefined;
    opts.faults.forEach((f, i) => {
      if (f.op !== op || (op !== 'AssumeRole' && f.id !== challenge)) return;
      const c = counters[i]!;
      c.seen++;
      if (c.seen <= f.skip) return;
      if (f.times !== 'always' && c.applied >= f.times) return;
      if (chosen) return;
      c.applied++;
      chosen = f;
    });
    return chosen;
  };

  const log = (call: Omit<AwsCall, 'stamp'>): AwsCall => {
    const entry = { ...call, stamp: sandbox.requests.length };
    world.calls.push(entry);
    return entry;
  };

  const raise = (service: 'ec2' | 'eks' | 'sts', error: AwsErrorKind, echo: boolean, what: string): never => {
    const message = `${error} for ${what}${echo ? ` (request signed with ${opts.echoSecret})` : ''}`;
    if (error === 'ECONNRESET') throw Object.assign(new Error(`socket hang up${echo ? ` ${opts.echoSecret}` : ''}`), { code: 'ECONNRESET' });
    throw service === 'ec2' ? ec2Error(error, message) : service === 'eks' ? eksError(error, message) : stsError(error, message);
  };

  const instance = (input: Record<string, unknown>) => {
    const ids = (input.InstanceIds as string[] | undefined) ?? [];
    const id = ids[0] ?? '';
    return { id, challenge: truth.instanceOwner.get(id), state: sandbox.state.ec2Instances.get(id) };
  };

  ec2Mock.reset();
  ec2Mock.on(DescribeInstancesCommand).callsFake(async (input: Record<string, unknown>) => {
    const { id, challenge, state } = instance(input);
    const fault = faultFor('DescribeInstances', challenge);
    const base = { op: 'DescribeInstances' as const, key: id, challenge, processed: false, input };
    if (fault && fault.error !== 'empty' && fault.error !== 'bad-state') {
      log({ ...base, outcome: 'error' });
      raise('ec2', fault.error, fault.echo, `instance ${id}`);
    }
    if (!state) {
      log({ ...base, outcome: 'error' });
      raise('ec2', 'InvalidInstanceID.NotFound', false, `instance ${id}`);
    }
    if (fault?.error === 'empty') {
      log({ ...base, outcome: 'malformed' });
      return { Reservations: [] };
    }
    const name = fault?.error === 'bad-state' ? 'exploding' : state!.state;
    log({ ...base, outcome: fault ? 'malformed' : 'ok' });
    return { Reservations: [{ Instances: [{ InstanceId: id, InstanceType: state!.InstanceType, State: { Name: name, Code: 16 } }] }] };
  });

  const change = (op: 'StartInstances' | 'StopInstances') => async (input: Record<string, unknown>) => {
    const { id, challenge, state } = instance(input);
    const fault = faultFor(op, challenge);
    const base = { op, key: id, challenge, input };
    if (fault && fault.error !== 'empty') {
      log({ ...base, processed: false, outcome: 'error' });
      raise('ec2', fault.error === 'bad-state' ? 'InternalError' : fault.error, fault.echo, `instance ${id}`);
    }
    if (!state) {
      log({ ...base, processed: false, outcome: 'error' });
      raise('ec2', 'InvalidInstanceID.NotFound', false, `instance ${id}`);
    }
    const previous = state!.state;
    const allowed = op === 'StartInstances' ? previous === 'stopped' : previous === 'running' || previous === 'pending';
    if (!allowed) {
      log({ ...base, processed: false, outcome: 'error' });
      raise('ec2', 'IncorrectInstanceState', false, `instance ${id} (${previous})`);
    }
    state!.state = op === 'StartInstances' ? 'pending' : 'stopping';
    log({ ...base, processed: true, outcome: 'ok' });
    if (fault?.error === 'empty') return {};
    const item = { InstanceId: id, PreviousState: { Name: previous }, CurrentState: { Name: state!.state } };
    return op === 'StartInstances' ? { StartingInstances: [item] } : { StoppingInstances: [item] };
  };
  ec2Mock.on(StartInstancesCommand).callsFake(change('StartInstances'));
  ec2Mock.on(StopInstancesCommand).callsFake(change('StopInstances'));

  eksMock.reset();
  eksMock.on(ListNodegroupsCommand).callsFake(async (input: Record<string, unknown>) => {
    const cluster = String(input.clusterName);
    const challenge = truth.clusterOwner.get(cluster);
    const fault = faultFor('ListNodegroups', challenge);
    const base = { op: 'ListNodegroups' as const, key: cluster, challenge, processed: false, input };
    const groups = world.nodegroups.get(cluster);
    if ((fault && fault.error !== 'empty' && fault.error !== 'bad-state') || !groups) {
      log({ ...base, outcome: 'error' });
      raise('eks', fault?.error ?? 'ResourceNotFoundException', fault?.echo ?? false, `cluster ${cluster}`);
    }
    log({ ...base, outcome: 'ok' });
    return { nodegroups: fault ? [] : [...groups!.keys()] };
  });
  eksMock.on(DescribeNodegroupCommand).callsFake(async (input: Record<string, unknown>) => {
    const cluster = String(input.clusterName);
    const name = String(input.nodegroupName);
    const challenge = truth.clusterOwner.get(cluster);
    const fault = faultFor('DescribeNodegroup', challenge);
    const base = { op: 'DescribeNodegroup' as const, key: `${cluster}/${name}`, challenge, processed: false, input };
    const ng = world.nodegroups.get(cluster)?.get(name);
    if ((fault && fault.error !== 'empty' && fault.error !== 'bad-state') || !ng) {
      log({ ...base, outcome: 'error' });
      raise('eks', fault?.error ?? 'ResourceNotFoundException', fault?.echo ?? false, `nodegroup ${name}`);
    }
    if (fault) {
      log({ ...base, outcome: 'malformed' });
      return { nodegroup: { clusterName: cluster, nodegroupName: name, status: ng!.status } };
    }
    log({ ...base, outcome: 'ok' });
    return {
      nodegroup: { clusterName: cluster, nodegroupName: name, status: ng!.status, scalingConfig: { minSize: ng!.minSize, desiredSize: ng!.desiredSize, maxSize: ng!.maxSize } },
    };
  });
  eksMock.on(UpdateNodegroupConfigCommand).callsFake(async (input: Record<string, unknown>) => {
    const cluster = String(input.clusterName);
    const name = String(input.nodegroupName);
    const challenge = truth.clusterOwner.get(cluster);
    const fault = faultFor('UpdateNodegroupConfig', challenge);
    const base = { op: 'UpdateNodegroupConfig' as const, key: `${cluster}/${name}`, challenge, input };
    const ng = world.nodegroups.get(cluster)?.get(name);
    if (fault && fault.error !== 'empty') {
      log({ ...base, processed: false, outcome: 'error' });
      raise('eks', fault.error === 'bad-state' ? 'InvalidParameterException' : fault.error, fault.echo, `nodegroup ${name}`);
    }
    if (!ng) {
      log({ ...base, processed: false, outcome: 'error' });
      raise('eks', 'ResourceNotFoundException', false, `nodegroup ${name}`);
    }
    if (ng!.status === 'UPDATING') {
      log({ ...base, processed: false, outcome: 'error' });
      raise('eks', 'ResourceInUseException', false, `nodegroup ${name} (an update is in progress)`);
    }
    const sc = (input.scalingConfig ?? {}) as Record<string, number>;
    const next = { minSize: sc.minSize ?? ng!.minSize, desiredSize: sc.desiredSize ?? ng!.desiredSize, maxSize: sc.maxSize ?? ng!.maxSize };
    if (!(next.minSize <= next.desiredSize && next.desiredSize <= next.maxSize && next.maxSize >= 1 && next.minSize >= 0)) {
      log({ ...base, processed: false, outcome: 'error' });
      raise('eks', 'InvalidParameterException', false, `nodegroup ${name}: scalingConfig ${JSON.stringify(next)}`);
    }
    Object.assign(ng!, next, { status: 'UPDATING' });
    log({ ...base, processed: true, outcome: 'ok' });
    return fault ? {} : { update: { id: `update-${++updates}`, status: 'InProgress', type: 'ConfigUpdate' } };
  });

  stsMock.reset();
  stsMock.on(AssumeRoleCommand).callsFake(async (input: Record<string, unknown>) => {
    const role = String(input.RoleArn);
    const fault = faultFor('AssumeRole', undefined);
    const base = { op: 'AssumeRole' as const, key: role, processed: false, input };
    if (fault && fault.error !== 'empty' && fault.error !== 'bad-state') {
      log({ ...base, outcome: 'error' });
      raise('sts', fault.error, fault.echo, `role ${role}`);
    }
    if (fault) {
      log({ ...base, outcome: 'malformed' });
      return { Credentials: { AccessKeyId: STS_CREDENTIALS.AccessKeyId } };
    }
    log({ ...base, outcome: 'ok' });
    return { Credentials: { ...STS_CREDENTIALS, Expiration: new Date(Date.now() + 3_600_000) } };
  });

  return world;
}
