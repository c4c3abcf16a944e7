import type { Tag } from '@aws-sdk/client-ec2';
import { POOL_TAG, SCHEDULER_TAG, STATE_SINCE_TAG, STATE_TAG } from '../../aws/ec2-pool.js';
import type { Ec2BackendConfig } from '../config.js';

/** One place a host can be launched: a market, an instance type (absent: the template's) and a subnet (absent: the template's). */
export interface Offer {
  market: 'spot' | 'on-demand';
  /** Absent: the launch template's type. */
  type?: string;
  subnet?: string;
  /** `market:type@subnet`: what the capacity backoff and the launch ledger key on. */
  key: string;
  label: string;
}

/** The offer of `market` for a type and subnet (each absent when the template gives it). Pure. */
export function offerOf(market: Offer['market'], type: string | undefined, subnet: string | undefined): Offer {
  return {
    market,
    ...(type ? { type } : {}),
    ...(subnet ? { subnet } : {}),
    key: `${market}:${type ?? 'template'}${subnet ? `@${subnet}` : ''}`,
    label: `${market} ${type ?? 'template type'}${subnet ? ` in ${subnet}` : ''}`,
  };
}

/** The pool's types (in `types` order, default the file's) x its subnets (explicit launch only), for one market. Pure. */
export function offersFor(config: Ec2BackendConfig, market: Offer['market'], types: ReadonlyArray<string | undefined> = config.instanceTypes.length > 0 ? config.instanceTypes : [undefined]): Offer[] {
  const subnets: Array<string | undefined> = config.launch ? [...config.launch.subnetIds] : [undefined];
  return types.flatMap((type) => subnets.map((subnet) => offerOf(market, type, subnet)));
}

/** The tags of every instance a launch makes: the file's, Name unless the file names it, and the tool's own. */
export function launchTags(pool: string, config: Ec2BackendConfig, at: number, schedulerId: string): Tag[] {
  return [
    ...(config.tags.Name === undefined ? [{ Key: 'Name', Value: `evalai-autoscaler ${pool}` }] : []),
    ...Object.entries(config.tags).map(([Key, Value]) => ({ Key, Value })),
    { Key: POOL_TAG, Value: pool },
    { Key: STATE_TAG, Value: 'launching' },
    { Key: STATE_SINCE_TAG, Value: new Date(at).toISOString() },
    { Key: SCHEDULER_TAG, Value: schedulerId },
  ];
}
