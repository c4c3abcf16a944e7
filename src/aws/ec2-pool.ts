import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
  type EC2Client,
  type Filter,
  type Instance,
  type RunInstancesCommandInput,
  type Tag,
} from '@aws-sdk/client-ec2';
import { toAwsError } from './errors.js';

/**
 * The EC2 calls of a host pool. Every call here is scoped by the pool tag: instances are only ever
 * listed through a filter on `evalai-autoscaler:pool = <name>`, and the describe that precedes a
 * terminate carries the same filter, so nothing untagged is looked at, changed or terminated.
 */
export const POOL_TAG = 'evalai-autoscaler:pool';
export const STATE_TAG = 'evalai-autoscaler:state';
export const STATE_SINCE_TAG = 'evalai-autoscaler:state-since';

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
    let out;
    try {
      out = await client.send(new DescribeInstancesCommand(input));
    } catch (err) {
      throw toAwsError(err, 'EC2 DescribeInstances', `pool ${pool}`);
    }
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
  try {
    await client.send(new CreateTagsCommand({ Resources: [...instanceIds], Tags }));
  } catch (err) {
    throw toAwsError(err, 'EC2 CreateTags', `instances ${instanceIds.join(', ')}`);
  }
}

export async function runInstances(client: EC2Client, input: RunInstancesCommandInput): Promise<PoolInstance[]> {
  try {
    const out = await client.send(new RunInstancesCommand(input));
    return (out.Instances ?? []).map(toPoolInstance).filter((i): i is PoolInstance => i !== null);
  } catch (err) {
    // The caller tells capacity errors apart by the AwsError's code.
    throw toAwsError(err, 'EC2 RunInstances', input.InstanceType ? `type ${input.InstanceType}` : undefined);
  }
}

export async function terminateInstances(client: EC2Client, instanceIds: readonly string[]): Promise<string[]> {
  try {
    const out = await client.send(new TerminateInstancesCommand({ InstanceIds: [...instanceIds] }));
    return (out.TerminatingInstances ?? []).map((c) => c.InstanceId).filter((id): id is string => Boolean(id));
  } catch (err) {
    throw toAwsError(err, 'EC2 TerminateInstances', `instances ${instanceIds.join(', ')}`);
  }
}

/**
 * The current spot price of each type: the latest DescribeSpotPriceHistory entry per type and zone
 * (Linux/UNIX), then the cheapest zone per type. Types with no price are absent.
 */
export async function latestSpotPrices(client: EC2Client, types: readonly string[], now: Date): Promise<Map<string, number>> {
  const latest = new Map<string, { at: number; price: number }>();
  let token: string | undefined;
  do {
    let out;
    try {
      out = await client.send(
        new DescribeSpotPriceHistoryCommand({
          InstanceTypes: types as _InstanceType[],
          ProductDescriptions: ['Linux/UNIX'],
          StartTime: now,
          ...(token ? { NextToken: token } : {}),
        }),
      );
    } catch (err) {
      throw toAwsError(err, 'EC2 DescribeSpotPriceHistory');
    }
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
