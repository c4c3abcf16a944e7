import { createHash } from 'node:crypto';
import type { _InstanceType, CreateFleetCommandInput, FleetLaunchTemplateSpecificationRequest, RequestLaunchTemplateData } from '@aws-sdk/client-ec2';
import { POOL_TAG, type FleetAnswer } from '../../aws/ec2-pool.js';
import type { Ec2BackendConfig } from '../config.js';
import { launchTags, offerOf, offersFor, type Offer } from './ec2-offers.js';

/**
 * Launching through EC2 Fleet (`backend.allocation: "price-capacity-optimized"`, or unset): one CreateFleet
 * of type `instant` per market and tick, over every offer (instance type x subnet) not in capacity
 * backoff, spot with EC2's price-capacity-optimized allocation, then on-demand for the remainder
 * (`onDemandFallback`) in the file's type order (`prioritized`). The pure parts: the request (the
 * same intent always gives the same request: EC2's ClientToken idempotency needs the same
 * parameters), the ledger's offer string that lets it be rebuilt, the launch template a pool with
 * raw `launch` fields gets, and the reading of the answer's per-override instances and errors.
 */

/** A launch template a fleet launches from: the file's, or the one made for a pool with raw `launch` fields. */
export interface FleetTemplate {
  spec: FleetLaunchTemplateSpecificationRequest;
  /** Set when the template is the pool's own (made from `backend.launch`): created before the first fleet. */
  create?: { name: string; data: RequestLaunchTemplateData; token: string };
}

/**
 * The template of a pool. With `launchTemplate`: that one. With raw `launch` fields: a template
 * named `evalai-autoscaler-<pool>-<hash of its data>`, so a changed pool file makes a new template
 * (version 1) and never changes one a launch in flight was sent with; subnets go in the overrides.
 */
export function fleetTemplate(pool: string, config: Ec2BackendConfig): FleetTemplate {
  const lt = config.launchTemplate;
  if (lt) return { spec: { ...(lt.id ? { LaunchTemplateId: lt.id } : { LaunchTemplateName: lt.name }), Version: lt.version } };
  const l = config.launch!;
  const volumeTags = [
    ...(config.tags.Name === undefined ? [{ Key: 'Name', Value: `evalai-autoscaler ${pool}` }] : []),
    ...Object.entries(config.tags).map(([Key, Value]) => ({ Key, Value })),
    { Key: POOL_TAG, Value: pool },
  ];
  const data: RequestLaunchTemplateData = {
    ImageId: l.imageId,
    ...(l.securityGroupIds.length > 0 ? { SecurityGroupIds: [...l.securityGroupIds] } : {}),
    ...(l.instanceProfile ? { IamInstanceProfile: l.instanceProfile.startsWith('arn:') ? { Arn: l.instanceProfile } : { Name: l.instanceProfile } } : {}),
    ...(l.keyName ? { KeyName: l.keyName } : {}),
    ...(l.userData !== undefined ? { UserData: Buffer.from(l.userData, 'utf8').toString('base64') } : {}),
    TagSpecifications: [{ ResourceType: 'volume', Tags: volumeTags }],
  };
  const hash = createHash('sha256').update(JSON.stringify({ pool, data })).digest('hex').slice(0, 16);
  const name = `evalai-autoscaler-${pool}-${hash}`;
  return { spec: { LaunchTemplateName: name, Version: '1' }, create: { name, data, token: `eas-lt-${hash}` } };
}

/** The ledger's offer string of a fleet launch: its market and every offer it was sent over. */
export function fleetOfferKey(market: Offer['market'], offers: readonly Offer[]): string {
  return `fleet:${market}:${offers.map((o) => o.key).join(',')}`;
}

/** The offers a fleet launch was sent over, from its ledger offer string, if the pool file still has them all (else null: it cannot be sent again as it was). */
export function fleetOffersOf(key: string, config: Ec2BackendConfig): { market: Offer['market']; offers: Offer[] } | null {
  const m = /^fleet:(spot|on-demand):(.+)$/.exec(key);
  if (!m) return null;
  const market = m[1] as Offer['market'];
  const known = new Map(offersFor(config, market).map((o) => [o.key, o]));
  const offers = m[2]!.split(',').map((k) => known.get(k));
  return offers.every((o): o is Offer => o !== undefined) ? { market, offers } : null;
}

/** A label for the report: "spot fleet (price-capacity-optimized) over 6 offers". */
export function fleetLabel(market: Offer['market'], offers: readonly Offer[]): string {
  return `${market} fleet (${market === 'spot' ? 'price-capacity-optimized' : 'prioritized'}) over ${offers.map((o) => `${o.type ?? 'template type'}${o.subnet ? ` in ${o.subnet}` : ''}`).join(', ')}`;
}

/** The CreateFleet of a launch intent. Pure: the same arguments give the same request. */
export function fleetInput(pool: string, config: Ec2BackendConfig, template: FleetTemplate, market: Offer['market'], offers: readonly Offer[], count: number, at: number, token: string, schedulerId: string): CreateFleetCommandInput {
  const typeRank = new Map(config.instanceTypes.map((t, i) => [t, i]));
  const overrides = offers
    .filter((o) => o.type !== undefined || o.subnet !== undefined)
    .map((o) => ({
      ...(o.type ? { InstanceType: o.type as _InstanceType } : {}),
      ...(o.subnet ? { SubnetId: o.subnet } : {}),
      // On-demand keeps the file's order of types (as the RunInstances path does).
      ...(market === 'on-demand' ? { Priority: typeRank.get(o.type ?? '') ?? 0 } : {}),
    }));
  return {
    Type: 'instant',
    // The intent's token: an SDK retry, or the next tick sending it again, gets the same fleet.
    ClientToken: token,
    TargetCapacitySpecification: {
      TotalTargetCapacity: count,
      DefaultTargetCapacityType: market,
      ...(market === 'spot' ? { SpotTargetCapacity: count } : { OnDemandTargetCapacity: count }),
    },
    ...(market === 'spot'
      ? { SpotOptions: { AllocationStrategy: 'price-capacity-optimized', InstanceInterruptionBehavior: 'terminate' } }
      : // Priorities rank the overrides; without overrides (the template's type and subnet) there is nothing to rank.
        { OnDemandOptions: { AllocationStrategy: overrides.length > 0 ? 'prioritized' : 'lowest-price' } }),
    LaunchTemplateConfigs: [{ LaunchTemplateSpecification: template.spec, ...(overrides.length > 0 ? { Overrides: overrides } : {}) }],
    TagSpecifications: [{ ResourceType: 'instance', Tags: launchTags(pool, config, at, schedulerId) }],
  };
}

/** What a fleet's answer means per offer: the instances launched on each, the errors met on each. Pure. */
export interface FleetResult {
  launched: Array<{ offer: Offer; instanceIds: string[] }>;
  errors: Array<{ offer: Offer; code: string; message: string }>;
}

export function readFleetAnswer(config: Ec2BackendConfig, market: Offer['market'], answer: FleetAnswer): FleetResult {
  // The key of what EC2 names: types and subnets only where the pool names them (else the template's).
  const offer = (type: string | undefined, subnet: string | undefined): Offer =>
    offerOf(market, config.instanceTypes.length > 0 ? type : undefined, config.launch ? subnet : undefined);
  const launched = new Map<string, { offer: Offer; instanceIds: string[] }>();
  for (const g of answer.launched) {
    if (g.instanceIds.length === 0) continue;
    const o = offer(g.type, g.subnet);
    const seen = launched.get(o.key) ?? { offer: o, instanceIds: [] };
    seen.instanceIds.push(...g.instanceIds);
    launched.set(o.key, seen);
  }
  return { launched: [...launched.values()], errors: answer.errors.map((e) => ({ offer: offer(e.type, e.subnet), code: e.code, message: e.message })) };
}
