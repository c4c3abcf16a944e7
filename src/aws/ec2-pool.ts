import type { _InstanceType, CreateFleetCommandInput, EC2Client, Filter, Instance, RequestLaunchTemplateData, RunInstancesCommandInput, Tag } from '@aws-sdk/client-ec2';
import { sendEc2 } from './ec2-answer.js';
import { isAwsError } from './errors.js';
import { ec2Sdk } from './sdk.js';

// required, not imported: aws/sdk.ts
const { CreateFleetCommand, CreateLaunchTemplateCommand, CreateTagsCommand, DescribeInstancesCommand, DescribeSpotPriceHistoryCommand, DescribeSubnetsCommand, RunInstancesCommand, TerminateInstancesCommand } = ec2Sdk();

/**
 * The EC2 calls of a host pool. Every call here is scoped by the pool tag: instances are only ever
 * listed through a filter on `evalai-autoscaler:pool = <name>`, and the describe that precedes a
 * terminate carries the same filter, so nothing untagged is looked at, changed or terminated.
 *
 * Every call goes through sendEc2 (./ec2-answer.ts): an answer that cannot be read throws an
 * AwsError of kind `unreadable` with `outcome: 'unknown'` instead of passing for an empty list
 * ("no hosts", "launched 0") or a success.
 */
export const POOL_TAG = 'evalai-autoscaler:pool';
export const STATE_TAG = 'evalai-autoscaler:state';
export const STATE_SINCE_TAG = 'evalai-autoscaler:state-since';
/** The scheduler (its id, kept in its state directory) that launched an instance. */
export const SCHEDULER_TAG = 'evalai-autoscaler:scheduler';

/** The instance states looked at before a terminate or a launch: everything but `terminated`. */
export const LISTED_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] as const;

/**
 * The states a tick lists: `terminated` too (EC2 shows a terminated instance for about an hour), so
 * that an instance gone since the last tick (spot reclaim, a person, the tool's own terminate) is
 * seen and recorded as terminated, with EC2's reason.
 */
export const OBSERVED_STATES = [...LISTED_STATES, 'terminated'] as const;

/** What the pool needs to know about one instance, as plain data. */
export interface PoolInstance {
  instanceId: string;
  state: string;
  launchTime?: Date;
  instanceType?: string;
  lifecycle: 'spot' | 'on-demand';
  zone?: string;
  privateIp?: string;
  publicIp?: string;
  tags: Record<string, string>;
  /** Why it stopped or went, as EC2 says (StateReason's message or code, then StateTransitionReason). */
  stateReason?: string;
}

export function poolFilter(pool: string): Filter {
  return { Name: `tag:${POOL_TAG}`, Values: [pool] };
}

/** DescribeInstances over every page, filtered on the pool tag (and on `ids` when given). */
export async function describePoolInstances(
  client: EC2Client,
  pool: string,
  ids?: readonly string[],
  states: readonly string[] = LISTED_STATES,
): Promise<{ instances: PoolInstance[]; pages: number }> {
  // Ids go in a filter, not InstanceIds: one id gone since the last look must not fail the whole call.
  const filters: Filter[] = [poolFilter(pool), { Name: 'instance-state-name', Values: [...states] }, ...(ids ? [{ Name: 'instance-id', Values: [...ids] }] : [])];
  const instances: PoolInstance[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const input = { Filters: filters, MaxResults: 1000, ...(token ? { NextToken: token } : {}) };
    // An answer without reservationSet (EC2 always sends one, `<reservationSet/>` when empty) is
    // "could not list", never an empty pool; so is a later page that cannot be read.
    const out = await sendEc2(client, new DescribeInstancesCommand(input), 'DescribeInstances', (c) => client.send(c), {
      subject: `pool ${pool}`,
      required: (o) => (o.Reservations === undefined ? 'reservationSet' : null),
    });
    pages += 1;
    for (const i of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const info = toPoolInstance(i);
      // The filter already says so; checked again so that a wrong answer can never widen the scope.
      if (info && info.tags[POOL_TAG] === pool) instances.push(info);
    }
    token = out.NextToken || undefined;
  } while (token);
  return { instances, pages };
}

function toPoolInstance(i: Instance): PoolInstance | null {
  if (!i.InstanceId) return null;
  const tags: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  const reason = [i.StateReason?.Message || i.StateReason?.Code, i.StateTransitionReason].filter((r): r is string => Boolean(r && r.trim()));
  return {
    ...(reason.length ? { stateReason: reason.join('; ') } : {}),
    instanceId: i.InstanceId,
    state: i.State?.Name ?? 'unknown',
    launchTime: i.LaunchTime,
    instanceType: i.InstanceType,
    lifecycle: i.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
    zone: i.Placement?.AvailabilityZone,
    privateIp: i.PrivateIpAddress,
    publicIp: i.PublicIpAddress,
    tags,
  };
}

/** CreateTags on the given instances (one call; EC2 takes up to 1000 resources). */
export async function tagInstances(client: EC2Client, instanceIds: readonly string[], tags: Record<string, string>): Promise<void> {
  const Tags: Tag[] = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  await sendEc2(client, new CreateTagsCommand({ Resources: [...instanceIds], Tags }), 'CreateTags', (c) => client.send(c), { subject: `instances ${instanceIds.join(', ')}` });
}

/**
 * RunInstances. Throws an AwsError: the caller tells capacity errors apart by its `code`, and an
 * answer that may hide launched instances by `outcome === 'unknown'` (a 200 without instancesSet,
 * a lost answer, a timeout): then instances may exist that nobody has seen yet.
 */
export async function runInstances(client: EC2Client, input: RunInstancesCommandInput): Promise<PoolInstance[]> {
  const out = await sendEc2(client, new RunInstancesCommand(input), 'RunInstances', (c) => client.send(c), {
    ...(input.InstanceType ? { subject: `type ${input.InstanceType}` } : {}),
    // A successful RunInstances always carries the instances it launched (at least MinCount).
    required: (o) => (o.Instances === undefined || o.Instances.length === 0 ? 'instancesSet' : null),
  });
  return (out.Instances ?? []).map(toPoolInstance).filter((i): i is PoolInstance => i !== null);
}

/** One group of instances an instant fleet launched, or one error it met, with the override it was for. */
export interface FleetLaunched {
  instanceIds: string[];
  type?: string;
  subnet?: string;
  lifecycle: 'spot' | 'on-demand';
}
export interface FleetError {
  code: string;
  message: string;
  /** The override's type and subnet, when EC2 names them. */
  type?: string;
  subnet?: string;
  lifecycle: 'spot' | 'on-demand';
}
export interface FleetAnswer {
  fleetId: string;
  launched: FleetLaunched[];
  errors: FleetError[];
}

/**
 * CreateFleet (type `instant`): one call over every override, answered with the instances it
 * launched AND the errors it met per override (partial success). Throws an AwsError as
 * runInstances does; an answer without fleetId is `unreadable` (outcome unknown).
 */
export async function createFleet(client: EC2Client, input: CreateFleetCommandInput): Promise<FleetAnswer> {
  const out = await sendEc2(client, new CreateFleetCommand(input), 'CreateFleet', (c) => client.send(c), {
    subject: `fleet of ${input.TargetCapacitySpecification?.TotalTargetCapacity ?? '?'}`,
    required: (o) => (!o.FleetId ? 'fleetId' : null),
  });
  const lifecycle = (l: string | undefined): 'spot' | 'on-demand' => (l === 'spot' ? 'spot' : 'on-demand');
  return {
    fleetId: out.FleetId!,
    launched: (out.Instances ?? []).map((i) => ({
      instanceIds: (i.InstanceIds ?? []).filter((id): id is string => typeof id === 'string' && id !== ''),
      ...(i.LaunchTemplateAndOverrides?.Overrides?.InstanceType || i.InstanceType ? { type: i.LaunchTemplateAndOverrides?.Overrides?.InstanceType ?? i.InstanceType } : {}),
      ...(i.LaunchTemplateAndOverrides?.Overrides?.SubnetId ? { subnet: i.LaunchTemplateAndOverrides.Overrides.SubnetId } : {}),
      lifecycle: lifecycle(i.Lifecycle),
    })),
    errors: (out.Errors ?? []).map((e) => ({
      code: e.ErrorCode ?? 'UnknownError',
      message: e.ErrorMessage ?? '',
      ...(e.LaunchTemplateAndOverrides?.Overrides?.InstanceType ? { type: e.LaunchTemplateAndOverrides.Overrides.InstanceType } : {}),
      ...(e.LaunchTemplateAndOverrides?.Overrides?.SubnetId ? { subnet: e.LaunchTemplateAndOverrides.Overrides.SubnetId } : {}),
      lifecycle: lifecycle(e.Lifecycle),
    })),
  };
}

/**
 * Makes sure the launch template `name` exists with `data` (CreateLaunchTemplate; EC2 answering
 * that the name exists is success: the name is derived from the data, so an existing template of
 * that name holds the same data). `dryRun`: only asks whether it could be created.
 * Returns whether it exists now (false only for a dry run of a template not created yet).
 */
export async function ensureLaunchTemplate(client: EC2Client, name: string, data: RequestLaunchTemplateData, token: string, dryRun = false): Promise<boolean> {
  try {
    await sendEc2(client, new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: data, ClientToken: token, ...(dryRun ? { DryRun: true } : {}) }), 'CreateLaunchTemplate', (c) => client.send(c), {
      subject: `launch template ${name}`,
    });
    return true;
  } catch (err) {
    if (isAwsError(err) && err.code === 'InvalidLaunchTemplateName.AlreadyExistsException') return true;
    if (dryRun && isAwsError(err) && err.code === 'DryRunOperation') return false;
    throw err;
  }
}

export async function terminateInstances(client: EC2Client, instanceIds: readonly string[]): Promise<string[]> {
  const out = await sendEc2(client, new TerminateInstancesCommand({ InstanceIds: [...instanceIds] }), 'TerminateInstances', (c) => client.send(c), {
    subject: `instances ${instanceIds.join(', ')}`,
    required: (o) => (o.TerminatingInstances === undefined ? 'instancesSet' : null),
  });
  return (out.TerminatingInstances ?? []).map((c) => c.InstanceId).filter((id): id is string => Boolean(id));
}

/**
 * The current spot price of each type: the latest DescribeSpotPriceHistory entry per type and zone
 * (Linux/UNIX), then the cheapest zone per type. Types with no price are absent.
 */
export async function latestSpotPrices(client: EC2Client, types: readonly string[], now: Date): Promise<Map<string, number>> {
  const latest = new Map<string, { at: number; price: number }>();
  let token: string | undefined;
  do {
    const command = new DescribeSpotPriceHistoryCommand({
      InstanceTypes: types as _InstanceType[],
      ProductDescriptions: ['Linux/UNIX'],
      StartTime: now,
      ...(token ? { NextToken: token } : {}),
    });
    const out = await sendEc2(client, command, 'DescribeSpotPriceHistory', (c) => client.send(c), {
      required: (o) => (o.SpotPriceHistory === undefined ? 'spotPriceHistorySet' : null),
    });
    for (const p of out.SpotPriceHistory ?? []) {
      const price = Number(p.SpotPrice);
      if (!p.InstanceType || !Number.isFinite(price)) continue;
      const key = `${p.InstanceType}|${p.AvailabilityZone ?? ''}`;
      const at = p.Timestamp?.getTime() ?? 0;
      const seen = latest.get(key);
      if (!seen || at > seen.at) latest.set(key, { at, price });
    }
    token = out.NextToken || undefined;
  } while (token);
  const byType = new Map<string, number>();
  for (const [key, { price }] of latest) {
    const type = key.split('|')[0]!;
    byType.set(type, Math.min(price, byType.get(type) ?? Infinity));
  }
  return byType;
}

/** The availability zone of each subnet (DescribeSubnets): where a spot price is looked up for an offer in that subnet. */
export async function subnetZones(client: EC2Client, subnetIds: readonly string[]): Promise<Map<string, string>> {
  const out = await sendEc2(client, new DescribeSubnetsCommand({ SubnetIds: [...subnetIds] }), 'DescribeSubnets', (c) => client.send(c), {
    subject: `subnets ${subnetIds.join(', ')}`,
    required: (o) => (o.Subnets === undefined ? 'subnetSet' : null),
  });
  return new Map((out.Subnets ?? []).flatMap((s) => (s.SubnetId && s.AvailabilityZone ? [[s.SubnetId, s.AvailabilityZone] as const] : [])));
}

/**
 * The latest spot price (Linux/UNIX) of each `type|zone` pair asked for, in one
 * DescribeSpotPriceHistory (paged) filtered on those types and zones: what a spot host costs where
 * it runs. Pairs with no price are absent.
 */
export async function spotPricesByZone(client: EC2Client, pairs: ReadonlyArray<{ type: string; zone: string }>, now: Date): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (pairs.length === 0) return out;
  const types = [...new Set(pairs.map((p) => p.type))];
  const zones = [...new Set(pairs.map((p) => p.zone))];
  const wanted = new Set(pairs.map((p) => `${p.type}|${p.zone}`));
  const at = new Map<string, number>();
  let token: string | undefined;
  do {
    const command = new DescribeSpotPriceHistoryCommand({
      InstanceTypes: types as _InstanceType[],
      ProductDescriptions: ['Linux/UNIX'],
      Filters: [{ Name: 'availability-zone', Values: zones }],
      StartTime: now,
      ...(token ? { NextToken: token } : {}),
    });
    const answer = await sendEc2(client, command, 'DescribeSpotPriceHistory', (c) => client.send(c), {
      required: (o) => (o.SpotPriceHistory === undefined ? 'spotPriceHistorySet' : null),
    });
    for (const p of answer.SpotPriceHistory ?? []) {
      const price = Number(p.SpotPrice);
      const key = `${p.InstanceType ?? ''}|${p.AvailabilityZone ?? ''}`;
      if (!wanted.has(key) || !Number.isFinite(price)) continue;
      const when = p.Timestamp?.getTime() ?? 0;
      if ((at.get(key) ?? -Infinity) <= when) {
        at.set(key, when);
        out.set(key, price);
      }
    }
    token = answer.NextToken || undefined;
  } while (token);
  return out;
}

/**
 * The pool's instances launched with a RunInstances ClientToken (DescribeInstances filter
 * `client-token`): how an earlier launch whose answer was lost is found when it cannot be re-sent.
 */
export async function describeByClientToken(client: EC2Client, pool: string, token: string): Promise<PoolInstance[]> {
  const filters: Filter[] = [poolFilter(pool), { Name: 'client-token', Values: [token] }];
  const found: PoolInstance[] = [];
  let next: string | undefined;
  do {
    const out = await sendEc2(client, new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, ...(next ? { NextToken: next } : {}) }), 'DescribeInstances', (c) => client.send(c), {
      subject: `pool ${pool}, client token ${token}`,
      required: (o) => (o.Reservations === undefined ? 'reservationSet' : null),
    });
    for (const i of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const info = toPoolInstance(i);
      if (info && info.tags[POOL_TAG] === pool) found.push(info);
    }
    next = out.NextToken || undefined;
  } while (next);
  return found;
}

/**
 * Of these pool instances (launched, then missing from a listing), those EC2 shows as gone
 * (terminated or shutting-down): a listing that lags hides new instances, but a terminated one is
 * still shown in this state for about an hour, so an instance launched and already reclaimed is not
 * counted as a launch not yet listed.
 */
export async function goneInstances(client: EC2Client, pool: string, ids: readonly string[]): Promise<Set<string>> {
  const gone = new Set<string>();
  for (let k = 0; k < ids.length; k += 200) {
    const filters: Filter[] = [poolFilter(pool), { Name: 'instance-id', Values: ids.slice(k, k + 200) }];
    let next: string | undefined;
    do {
      const out = await sendEc2(client, new DescribeInstancesCommand({ Filters: filters, MaxResults: 1000, ...(next ? { NextToken: next } : {}) }), 'DescribeInstances', (c) => client.send(c), {
        subject: `pool ${pool}, launched instances`,
        required: (o) => (o.Reservations === undefined ? 'reservationSet' : null),
      });
      for (const i of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const info = toPoolInstance(i);
        if (info && info.tags[POOL_TAG] === pool && (info.state === 'terminated' || info.state === 'shutting-down')) gone.add(info.instanceId);
      }
      next = out.NextToken || undefined;
    } while (next);
  }
  return gone;
}
