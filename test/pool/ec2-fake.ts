import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type CreateTagsCommandInput,
  type DescribeInstancesCommandInput,
  type DescribeSpotPriceHistoryCommandInput,
  type EC2Client,
  type Instance,
  type RunInstancesCommandInput,
  type Tag,
  type TerminateInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { ec2Error } from '../aws/helpers.js';

export interface FakeInstance {
  id: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  tags: Record<string, string>;
  launchTime: number;
  type: string;
  spot: boolean;
  zone: string;
  privateIp: string;
  /** EC2's StateReason (code and message) and StateTransitionReason, once it stopped or went. */
  stateReason?: { code: string; message: string };
  transitionReason?: string;
}

/**
 * A small stateful EC2 for multi-tick tests: instances that RunInstances creates (pending, running
 * after `advance()`), tags, terminate (shutting-down, then terminated), DescribeInstances with the
 * filters the pool uses and pagination, and spot prices. Faults: `capacity(market, type)` answers an
 * error code for a RunInstances, `failNext` makes the next call of a command throw.
 */
export class Ec2Fake {
  readonly instances = new Map<string, FakeInstance>();
  now = 0;
  /** DescribeInstances answers at most this many instances per page. */
  pageSize = 1000;
  spotPrices: Record<string, number> = {};
  capacity: (market: 'spot' | 'on-demand', type: string) => string | null = () => null;
  readonly failNext = new Map<string, string>();
  /** Every terminate request, by id: the safety tests look here. */
  readonly terminated: string[] = [];
  /** Called for each instance as TerminateInstances reaches it, before its state changes. */
  onTerminate: (instance: FakeInstance) => void = () => {};
  /**
   * Called after RunInstances has launched (the instances exist), before it answers: may wait (a slow
   * answer) or throw (the answer is lost: the caller cannot know the outcome).
   */
  afterRun: ((made: FakeInstance[]) => void | Promise<void>) | null = null;
  /** RunInstances launches at most this many (EC2 with MinCount 1 may launch fewer than MaxCount). */
  launchAtMost = Infinity;
  /** RunInstances launches, then answers 200 without any instance (an answer that cannot be read). */
  answerEmpty = false;
  /** DescribeInstances lags (eventually consistent): instances younger than this are not shown. */
  hideYoungerThanMs = 0;
  /** What a DryRun RunInstances answers (EC2: DryRunOperation when it would succeed). */
  dryRunAnswer = 'DryRunOperation';
  /** RunInstances ClientTokens seen: the same token with the same parameters answers the same instances. */
  readonly tokens = new Map<string, { input: string; ids: string[] }>();
  private seq = 0;

  install(mock: AwsClientStub<EC2Client>): void {
    mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => this.guard('DescribeInstances', () => this.describe(input)));
    mock.on(RunInstancesCommand).callsFake((input: RunInstancesCommandInput) => this.guard('RunInstances', () => this.run(input)));
    mock.on(CreateTagsCommand).callsFake((input: CreateTagsCommandInput) => this.guard('CreateTags', () => this.createTags(input)));
    mock.on(TerminateInstancesCommand).callsFake((input: TerminateInstancesCommandInput) => this.guard('TerminateInstances', () => this.terminate(input)));
    mock.on(DescribeSpotPriceHistoryCommand).callsFake((input: DescribeSpotPriceHistoryCommandInput) => this.guard('DescribeSpotPriceHistory', () => this.prices(input)));
  }

  /** An instance made outside the pool (or an orphan): any tags. */
  add(partial: Partial<FakeInstance> & { tags: Record<string, string> }): FakeInstance {
    const instance: FakeInstance = { id: this.nextId(), state: 'running', launchTime: this.now, type: 'c5.large', spot: false, zone: 'us-east-1a', privateIp: this.nextIp(), ...partial };
    this.instances.set(instance.id, instance);
    return instance;
  }

  /** The spot service takes an instance back: it is terminated at once, with EC2's reason. */
  reclaim(id: string): void {
    const i = this.instances.get(id)!;
    i.state = 'terminated';
    i.stateReason = { code: 'Server.SpotInstanceTermination', message: 'Server.SpotInstanceTermination: Spot instance termination' };
  }

  /** Time passes: pending instances run, shutting-down ones are gone. */
  advance(ms = 60_000): void {
    this.now += ms;
    for (const i of this.instances.values()) {
      if (i.state === 'pending') i.state = 'running';
      else if (i.state === 'shutting-down') i.state = 'terminated';
    }
  }

  live(pool?: string): FakeInstance[] {
    return [...this.instances.values()].filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down' && (pool === undefined || i.tags['evalai-autoscaler:pool'] === pool));
  }

  private guard<T>(command: string, fn: () => T): Promise<T> {
    const code = this.failNext.get(command);
    if (code) {
      this.failNext.delete(command);
      return Promise.reject(ec2Error(code));
    }
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private describe(input: DescribeInstancesCommandInput) {
    let list = [...this.instances.values()].filter((i) => this.now - i.launchTime >= this.hideYoungerThanMs);
    if (input.InstanceIds?.length) list = list.filter((i) => input.InstanceIds!.includes(i.id));
    for (const f of input.Filters ?? []) {
      const values = f.Values ?? [];
      if (f.Name?.startsWith('tag:')) {
        const key = f.Name.slice(4);
        list = list.filter((i) => i.tags[key] !== undefined && values.includes(i.tags[key]!));
      } else if (f.Name === 'instance-state-name') list = list.filter((i) => values.includes(i.state));
      else if (f.Name === 'instance-id') list = list.filter((i) => values.includes(i.id));
      else if (f.Name === 'client-token') list = list.filter((i) => [...this.tokens.entries()].some(([t, e]) => values.includes(t) && e.ids.includes(i.id)));
      else throw ec2Error('InvalidParameterValue', `The filter '${f.Name}' is invalid`);
    }
    const size = Math.min(this.pageSize, input.MaxResults ?? Infinity);
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = list.slice(start, start + size);
    const next = start + size < list.length ? String(start + size) : undefined;
    return { Reservations: page.length ? [{ Instances: page.map(toSdk) }] : [], ...(next ? { NextToken: next } : {}) };
  }

  private run(input: RunInstancesCommandInput): unknown {
    if (input.DryRun) throw ec2Error(this.dryRunAnswer, this.dryRunAnswer === 'DryRunOperation' ? 'Request would have succeeded, but DryRun flag is set.' : `dry run: ${this.dryRunAnswer}`);
    const token = input.ClientToken;
    const seen = token ? this.tokens.get(token) : undefined;
    if (seen) {
      if (seen.input !== JSON.stringify(input)) throw ec2Error('IdempotentParameterMismatch', 'The client token was used with different parameters');
      return { Instances: seen.ids.map((id) => toSdk(this.instances.get(id)!)) };
    }
    const market = input.InstanceMarketOptions?.MarketType === 'spot' ? 'spot' : 'on-demand';
    const type = input.InstanceType ?? 'template-type';
    const code = this.capacity(market, type);
    if (code) throw ec2Error(code, `no ${market} capacity for ${type}`);
    const tags: Record<string, string> = {};
    for (const spec of input.TagSpecifications ?? []) if (spec.ResourceType === 'instance') for (const t of spec.Tags ?? []) tags[t.Key!] = t.Value ?? '';
    const made: FakeInstance[] = [];
    for (let k = 0; k < Math.min(input.MaxCount ?? 1, this.launchAtMost); k += 1) {
      made.push(this.add({ state: 'pending', tags: { ...tags }, type, spot: market === 'spot' }));
    }
    if (token) this.tokens.set(token, { input: JSON.stringify(input), ids: made.map((i) => i.id) });
    const answer = this.answerEmpty ? {} : { Instances: made.map(toSdk) };
    if (this.afterRun) return Promise.resolve(this.afterRun(made)).then(() => answer);
    return answer;
  }

  private createTags(input: CreateTagsCommandInput) {
    for (const id of input.Resources ?? []) {
      const i = this.instances.get(id);
      if (!i) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      for (const t of input.Tags ?? []) i.tags[t.Key!] = t.Value ?? '';
    }
    return {};
  }

  private terminate(input: TerminateInstancesCommandInput) {
    const out = [];
    for (const id of input.InstanceIds ?? []) {
      const i = this.instances.get(id);
      if (!i) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      this.terminated.push(id);
      this.onTerminate(i);
      const previous = i.state;
      if (i.state !== 'terminated') {
        i.state = 'shutting-down';
        i.stateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
        i.transitionReason = `User initiated (${new Date(this.now).toISOString().slice(0, 19).replace('T', ' ')} GMT)`;
      }
      out.push({ InstanceId: id, PreviousState: { Name: previous }, CurrentState: { Name: i.state } });
    }
    return { TerminatingInstances: out };
  }

  private prices(input: DescribeSpotPriceHistoryCommandInput) {
    const types = input.InstanceTypes ?? Object.keys(this.spotPrices);
    return {
      SpotPriceHistory: types
        .filter((t) => this.spotPrices[t] !== undefined)
        .map((t) => ({ InstanceType: t, AvailabilityZone: 'us-east-1a', ProductDescription: 'Linux/UNIX' as const, SpotPrice: String(this.spotPrices[t]), Timestamp: new Date(this.now) })),
    };
  }

  private nextId(): string {
    this.seq += 1;
    return `i-${this.seq.toString(16).padStart(17, '0')}`;
  }

  private nextIp(): string {
    return `10.0.${Math.floor(this.seq / 250)}.${(this.seq % 250) + 1}`;
  }
}

function toSdk(i: FakeInstance): Instance {
  const Tags: Tag[] = Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    InstanceId: i.id,
    State: { Name: i.state },
    Tags,
    LaunchTime: new Date(i.launchTime),
    InstanceType: i.type as Instance['InstanceType'],
    ...(i.spot ? { InstanceLifecycle: 'spot' as const } : {}),
    Placement: { AvailabilityZone: i.zone },
    PrivateIpAddress: i.privateIp,
    ...(i.stateReason ? { StateReason: { Code: i.stateReason.code, Message: i.stateReason.message } } : {}),
    ...(i.transitionReason ? { StateTransitionReason: i.transitionReason } : {}),
  };
}
