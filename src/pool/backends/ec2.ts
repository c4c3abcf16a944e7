import { createHash } from 'node:crypto';
import type { EC2Client, RunInstancesCommandInput, Tag, _InstanceType } from '@aws-sdk/client-ec2';
import {
  describePoolInstances,
  latestSpotPrices,
  OBSERVED_STATES,
  POOL_TAG,
  runInstances,
  STATE_SINCE_TAG,
  STATE_TAG,
  tagInstances,
  terminateInstances,
  type PoolInstance,
} from '../../aws/ec2-pool.js';
import { isAwsError } from '../../aws/errors.js';
import { describeError } from '../../runtime/errors.js';
import type { LaunchOutcome, PoolBackend, Recheck, TerminateItem, TerminateOutcome } from '../backend.js';
import type { Ec2BackendConfig } from '../config.js';
import type { CloudState, Host } from '../host.js';
import { isHostState, type Move } from '../states.js';

/** RunInstances errors after which the next type (then on-demand) is tried, and the failed one avoided for a while. */
export const CAPACITY_ERRORS = new Set(['InsufficientInstanceCapacity', 'SpotMaxPriceTooLow', 'MaxSpotInstanceCountExceeded', 'Unsupported']);

export interface Ec2BackendOptions {
  client: EC2Client;
  pool: string;
  config: Ec2BackendConfig;
}

interface Offer {
  market: 'spot' | 'on-demand';
  /** Absent: the launch template's type. */
  type?: string;
  subnet?: string;
  key: string;
  label: string;
}

export function ec2Backend({ client, pool, config }: Ec2BackendOptions): PoolBackend {
  async function writeStates(moves: readonly Move[]): Promise<void> {
    const groups = new Map<string, { to: string; at: number; ids: string[] }>();
    for (const m of moves) {
      const key = `${m.to}|${m.at}`;
      const g = groups.get(key) ?? { to: m.to, at: m.at, ids: [] };
      g.ids.push(m.hostId);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      for (let i = 0; i < g.ids.length; i += 1000) {
        await tagInstances(client, g.ids.slice(i, i + 1000), { [STATE_TAG]: g.to, [STATE_SINCE_TAG]: new Date(g.at).toISOString() });
      }
    }
  }

  return {
    async list() {
      const { instances, pages } = await describePoolInstances(client, pool, undefined, OBSERVED_STATES);
      return { hosts: instances.map(toHost), calls: pages };
    },

    async launch(count, { now, maxHosts, backoff }): Promise<LaunchOutcome> {
      const kept = Object.fromEntries(Object.entries(backoff).filter(([, until]) => until > now));
      // Re-count right before launching: a second scheduler may have launched since this tick looked.
      const { instances } = await describePoolInstances(client, pool);
      const recounted = instances.map(toHost).filter(countsTowardsMax).length;
      const allowed = Math.max(0, Math.min(count, maxHosts - recounted));
      const outcome: LaunchOutcome = { launched: [], wanted: count, allowed, recounted, attempts: [], backoff: kept };
      if (allowed === 0) return outcome;

      const offers = await orderOffers(client, config, now);
      let remaining = allowed;
      for (const [index, offer] of offers.entries()) {
        if (remaining === 0) break;
        if ((kept[offer.key] ?? 0) > now) {
          outcome.attempts.push({ offer: offer.label, outcome: 'avoided', error: `capacity error earlier: avoided until ${new Date(kept[offer.key]!).toISOString()}` });
          continue;
        }
        try {
          const made = await runInstances(client, runInput(pool, config, offer, remaining, now, index));
          outcome.launched.push(...made.map((i) => ({ ...toHost(i), state: 'launching' as const, since: now })));
          outcome.attempts.push({ offer: offer.label, outcome: 'launched', count: made.length });
          remaining -= made.length;
        } catch (err) {
          if (isAwsError(err) && err.code && CAPACITY_ERRORS.has(err.code)) {
            kept[offer.key] = now + config.capacityBackoff;
            outcome.attempts.push({ offer: offer.label, outcome: 'capacity', error: err.code });
            continue;
          }
          outcome.attempts.push({ offer: offer.label, outcome: 'error', error: describeError(err) });
          outcome.error = describeError(err);
          return outcome;
        }
      }
      if (remaining > 0 && outcome.launched.length === 0) outcome.error = `no capacity: every offer failed or is avoided (${outcome.attempts.map((a) => a.offer).join(', ') || 'no offer'})`;
      return outcome;
    },

    writeStates,

    async terminate(items: readonly TerminateItem[], recheck?: Recheck): Promise<TerminateOutcome> {
      const out: TerminateOutcome = { terminated: [], refused: [] };
      if (items.length === 0) return out;
      // The describe right before the terminate carries the pool tag filter: an id that no longer
      // shows it (retagged, another pool's, gone) is never terminated.
      const { instances } = await describePoolInstances(client, pool, items.map((i) => i.hostId));
      const seen = new Map(instances.map((i) => [i.instanceId, i]));
      const go: TerminateItem[] = [];
      for (const item of items) {
        const instance = seen.get(item.hostId);
        if (!instance) {
          out.refused.push({ hostId: item.hostId, reason: `not found with ${POOL_TAG}=${pool} right before the terminate: left alone` });
          continue;
        }
        const keep = recheck ? await recheck(toHost(instance)) : null;
        if (keep) out.refused.push({ hostId: item.hostId, reason: keep });
        else go.push(item);
      }
      if (go.length === 0) return out;
      const moves = go.map((i) => i.move).filter((m): m is Move => m !== undefined);
      if (moves.length > 0) await writeStates(moves);
      out.terminated = await terminateInstances(client, go.map((i) => i.hostId));
      return out;
    },
  };
}

/** A host from an instance: its state tags, or `untracked` when it has none (an orphan). */
export function toHost(i: PoolInstance): Host {
  const state = i.tags[STATE_TAG];
  const since = Date.parse(i.tags[STATE_SINCE_TAG] ?? '');
  const host: Host = {
    id: i.instanceId,
    state: isHostState(state) ? state : 'untracked',
    since: Number.isFinite(since) ? since : null,
    cloud: i.state as CloudState,
    launchedAt: i.launchTime?.getTime() ?? 0,
    lifecycle: i.lifecycle,
  };
  if (i.instanceType) host.instanceType = i.instanceType;
  if (i.zone) host.zone = i.zone;
  if (i.privateIp) host.privateIp = i.privateIp;
  if (i.publicIp) host.publicIp = i.publicIp;
  if (i.stateReason) host.cloudReason = i.stateReason;
  return host;
}

/** Ready or launching, or an orphan that is about to be adopted: what the cap counts. */
function countsTowardsMax(h: Host): boolean {
  if (h.cloud !== 'pending' && h.cloud !== 'running') return false;
  return h.state === 'ready' || h.state === 'launching' || h.state === 'untracked';
}

/**
 * The offers to try, in order: with spot, the types by current spot price (cheapest first; types
 * without a price after, in the file's order), then on-demand in the file's order when the fallback
 * is on. Each type is tried in each subnet of an explicit launch.
 */
async function orderOffers(client: EC2Client, config: Ec2BackendConfig, now: number): Promise<Offer[]> {
  const types: Array<string | undefined> = config.instanceTypes.length > 0 ? [...config.instanceTypes] : [undefined];
  const subnets: Array<string | undefined> = config.launch ? [...config.launch.subnetIds] : [undefined];
  const offers = (market: Offer['market'], ordered: Array<string | undefined>): Offer[] =>
    ordered.flatMap((type) =>
      subnets.map((subnet) => ({
        market,
        ...(type ? { type } : {}),
        ...(subnet ? { subnet } : {}),
        key: `${market}:${type ?? 'template'}${subnet ? `@${subnet}` : ''}`,
        label: `${market} ${type ?? 'template type'}${subnet ? ` in ${subnet}` : ''}`,
      })),
    );
  if (config.market === 'on-demand') return offers('on-demand', types);
  let spotOrder = types;
  const named = types.filter((t): t is string => t !== undefined);
  if (named.length > 1) {
    try {
      const prices = await latestSpotPrices(client, named, new Date(now));
      spotOrder = [...named].sort((a, b) => (prices.get(a) ?? Infinity) - (prices.get(b) ?? Infinity));
    } catch {
      // No price: the file's order. The launch itself will say if EC2 is unreachable.
    }
  }
  return [...offers('spot', spotOrder), ...(config.onDemandFallback ? offers('on-demand', types) : [])];
}

function runInput(pool: string, config: Ec2BackendConfig, offer: Offer, count: number, now: number, attempt: number): RunInstancesCommandInput {
  const tags: Tag[] = [
    ...(config.tags.Name === undefined ? [{ Key: 'Name', Value: `evalai-autoscaler ${pool}` }] : []),
    ...Object.entries(config.tags).map(([Key, Value]) => ({ Key, Value })),
    { Key: POOL_TAG, Value: pool },
    { Key: STATE_TAG, Value: 'launching' },
    { Key: STATE_SINCE_TAG, Value: new Date(now).toISOString() },
  ];
  const input: RunInstancesCommandInput = {
    MinCount: 1,
    MaxCount: count,
    // Same token for an SDK retry of this very call: EC2 launches once.
    ClientToken: createHash('sha256').update(`${pool}|${now}|${attempt}|${offer.key}|${count}`).digest('hex').slice(0, 48),
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags },
    ],
  };
  const lt = config.launchTemplate;
  if (lt) input.LaunchTemplate = { ...(lt.id ? { LaunchTemplateId: lt.id } : { LaunchTemplateName: lt.name }), Version: lt.version };
  const l = config.launch;
  if (l) {
    input.ImageId = l.imageId;
    if (l.securityGroupIds.length > 0) input.SecurityGroupIds = [...l.securityGroupIds];
    if (l.instanceProfile) input.IamInstanceProfile = l.instanceProfile.startsWith('arn:') ? { Arn: l.instanceProfile } : { Name: l.instanceProfile };
    if (l.keyName) input.KeyName = l.keyName;
    if (l.userData !== undefined) input.UserData = Buffer.from(l.userData, 'utf8').toString('base64');
  }
  if (offer.type) input.InstanceType = offer.type as _InstanceType;
  if (offer.subnet) input.SubnetId = offer.subnet;
  if (offer.market === 'spot') {
    input.InstanceMarketOptions = { MarketType: 'spot', SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' } };
  }
  return input;
}
