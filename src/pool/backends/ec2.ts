import { randomBytes } from 'node:crypto';
import type { EC2Client, RunInstancesCommandInput, _InstanceType } from '@aws-sdk/client-ec2';
import {
  createFleet,
  describePoolInstances,
  ensureLaunchTemplate,
  latestSpotPrices,
  OBSERVED_STATES,
  POOL_TAG,
  spotPricesByZone,
  subnetZones,
  describeByClientToken,
  goneInstances,
  runInstances,
  SCHEDULER_TAG,
  STATE_SINCE_TAG,
  STATE_TAG,
  tagInstances,
  terminateInstances,
  type PoolInstance,
} from '../../aws/ec2-pool.js';
import { isAwsError } from '../../aws/errors.js';
import { isDefiniteRefusal } from '../../aws/run-outcome.js';
import { describeError } from '../../runtime/errors.js';
import type { LaunchOptions, LaunchOutcome, PoolBackend, Recheck, TerminateItem, TerminateOutcome } from '../backend.js';
import { afterCapacityError, isAvoided, pruneBackoff } from '../capacity-backoff.js';
import { changeLedger, isExpired, memoryIntentStore, prune, unlistedLaunches, type IntentStore, type LaunchIntent } from '../launch-ledger.js';
import type { Ec2BackendConfig } from '../config.js';
import type { CloudState, Host } from '../host.js';
import { isHostState, type Move } from '../states.js';
import { fleetInput, fleetLabel, fleetOfferKey, fleetOffersOf, fleetTemplate, readFleetAnswer, type FleetResult } from './ec2-fleet.js';
import { launchTags, offersFor, type Offer } from './ec2-offers.js';
import { fallbackWarning, FLEET_REFUSAL_MS, isAuthorisationRefusal, rememberedRefusal, rememberRefusal } from './fleet-refusal.js';

/**
 * Launch errors after which the next type (then on-demand) is tried, and the failed one avoided for
 * a while. UnfulfillableCapacity is CreateFleet's "no capacity matches" (per override).
 */
export const CAPACITY_ERRORS = new Set(['InsufficientInstanceCapacity', 'SpotMaxPriceTooLow', 'MaxSpotInstanceCountExceeded', 'Unsupported', 'UnfulfillableCapacity']);

/** Template errors a dry-run CreateFleet meets when the pool's own template is not created yet. */
const TEMPLATE_NOT_FOUND = /^InvalidLaunchTemplate(Name|Id)\.(NotFound|NotFoundException|Malformed)$/;

export interface Ec2BackendOptions {
  client: EC2Client;
  pool: string;
  config: Ec2BackendConfig;
  /** Where launches are written before they are sent (default: in memory, for this backend's life). */
  ledger?: IntentStore;
  /** This scheduler's id (tagged on every launch); default "local". */
  schedulerId?: string;
  /** Several schedulers share the ledger (backend.coordination): no refusal on another's instances. */
  coordinated?: boolean;
}

const DEFAULT_LAUNCH_TIMEOUT_MS = 10 * 60_000;

/** A RunInstances ClientToken: random, at most 64 ASCII characters. */
function newToken(): string {
  return `eas-${randomBytes(16).toString('hex')}`;
}

export function ec2Backend({ client, pool, config, ledger = memoryIntentStore(), schedulerId = 'local', coordinated = false }: Ec2BackendOptions): PoolBackend {
  // The fleet path unless the file asks for RunInstances; unset (the default), an IAM refusal of
  // the fleet's calls falls back to RunInstances (./fleet-refusal.ts); set explicitly, it does not.
  const fleetChosen = config.allocation !== 'lowest-price-order';
  const mayFallBack = config.allocation === undefined;
  const template = fleetTemplate(pool, config);
  /** The IAM actions the fleet path needs beyond RunInstances. */
  const fleetNeeds = template.create ? ['ec2:CreateFleet', 'ec2:CreateLaunchTemplate'] : ['ec2:CreateFleet'];
  /**
   * Called when the default allocation meets a definite IAM refusal of `action`: the attempt and
   * the warning are reported, and (not in a dry run) the refusal is remembered in the backoff.
   */
  function fallBack(outcome: LaunchOutcome, label: string, action: string, err: unknown, now: number, dryRun: boolean): void {
    const code = isAwsError(err) ? (err.code ?? null) : null;
    outcome.attempts.push({ offer: label, outcome: 'fell-back', error: `${action} refused (${code ?? 'access denied'}): ${dryRun ? 'checked' : 'launched'} through RunInstances (lowest-price-order) instead` });
    // A dry run writes no state: it says what a real run would remember.
    if (!dryRun) rememberRefusal(outcome.backoff, action, now);
    outcome.warnings = [...(outcome.warnings ?? []), fallbackWarning(action, code, now, now + FLEET_REFUSAL_MS, fleetNeeds)];
  }
  /** Set by launchFleets when the default allocation fell back: the rest goes through RunInstances. */
  let fellBack = false;
  /** The zones of the pool's subnets, read once per backend (a subnet never moves); null when they cannot be read. */
  let zones: Map<string, string> | null = null;
  async function zonesOfSubnets(): Promise<Map<string, string> | null> {
    if (zones || !config.launch || config.market === 'on-demand') return zones;
    try {
      const read = await subnetZones(client, config.launch.subnetIds);
      if (config.launch.subnetIds.every((s) => read.has(s))) zones = read;
    } catch {
      // Without the zones, types are ordered by their cheapest zone, as before.
    }
    return zones;
  }

  /** The pool's own launch template is known to exist (created, or found, once per backend). */
  let templateReady = template.create === undefined;
  async function ensureTemplate(): Promise<void> {
    if (templateReady || !template.create) return;
    await ensureLaunchTemplate(client, template.create.name, template.create.data, template.create.token);
    templateReady = true;
  }

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

  /**
   * The launch path: re-count (the listing, plus the ledger's launches not yet listed) against
   * maxHosts and maxLiveHosts; refuse if another scheduler launched into the pool without
   * coordination; resolve this scheduler's earlier launches of unknown outcome (same token, same
   * parameters); then per offer: write the intent, RunInstances with its ClientToken, record the
   * instances. A dry run sends each RunInstances with DryRun and writes nothing.
   */
  async function launchWith(count: number, opts: LaunchOptions, dryRun: boolean): Promise<LaunchOutcome> {
    const outcome: LaunchOutcome = { launched: [], wanted: count, allowed: 0, recounted: 0, attempts: [], backoff: pruneBackoff(opts.backoff, opts.now) };
    try {
      return await launchInto(outcome, count, opts, dryRun);
    } catch (err) {
      // Instances launched (or an earlier launch resolved) before a later call failed are still
      // reported: otherwise no report would ever name them.
      if (outcome.launched.length === 0 && (outcome.resolved ?? []).length === 0) throw err;
      outcome.error = describeError(err);
      return outcome;
    }
  }

  async function launchInto(outcome: LaunchOutcome, count: number, opts: LaunchOptions, dryRun: boolean): Promise<LaunchOutcome> {
    const { now, maxHosts } = opts;
    const maxLive = opts.maxLiveHosts ?? Infinity;
    const timeout = opts.launchTimeoutMs ?? DEFAULT_LAUNCH_TIMEOUT_MS;
    const backoff = outcome.backoff;
    const { instances } = await describePoolInstances(client, pool);
    const hosts = instances.map(toHost);
    const listed = new Set<string>(instances.map((i) => i.instanceId));
    const counting = hosts.filter(countsTowardsMax).length;
    const live = hosts.filter(isLive).length;
    outcome.recounted = counting;

    if (!coordinated) {
      const other = instances.find((i) => {
        const by = i.tags[SCHEDULER_TAG];
        return by !== undefined && by !== schedulerId && (i.launchTime?.getTime() ?? 0) >= now - timeout;
      });
      if (other) {
        outcome.error =
          `another scheduler (id ${other.tags[SCHEDULER_TAG]}) launched ${other.instanceId} into pool ${pool} at ${other.launchTime?.toISOString() ?? 'an unknown time'}; ` +
          `this one is ${schedulerId}: one scheduler per pool is supported unless backend.coordination is configured: nothing launched this tick`;
        outcome.roomAtMax = 0;
        return outcome;
      }
    }

    // The default allocation whose fleet calls IAM refused within the hour: RunInstances, with the warning.
    const remembered = fleetChosen && mayFallBack ? rememberedRefusal(backoff, now) : null;
    if (remembered) outcome.warnings = [fallbackWarning(remembered.action, null, remembered.at, remembered.until, fleetNeeds)];
    const fleet = fleetChosen && !remembered;
    fellBack = false;
    // Through a fleet, EC2 weighs the prices: no price lookup to order the offers.
    let offers = fleet ? [...offersFor(config, 'spot'), ...offersFor(config, 'on-demand')] : await orderOffers(client, config, now, await zonesOfSubnets());
    if (!dryRun) {
      const unknown = await resolveEarlier(offers, outcome, now, timeout);
      if (unknown) {
        outcome.error = unknown;
        return outcome;
      }
    }

    // Launched instances missing from the listing: lag (counted) or already gone (not counted).
    const before = prune((await ledger.load()).intents, now, timeout);
    const missing = [...new Set(before.flatMap((i) => (i.instanceIds ?? []).filter((id) => !listed.has(id))))];
    if (missing.length > 0) for (const id of await goneInstances(client, pool, missing)) listed.add(id);

    let remaining = count;
    const limitsOf = (intents: readonly LaunchIntent[]) => {
      const pending = unlistedLaunches(intents, listed, now, timeout);
      return { pending, atMax: Math.max(0, maxHosts - counting - pending), atLive: Math.max(0, maxLive - live - pending) };
    };
    const initial = limitsOf(before);
    outcome.allowed = Math.min(count, initial.atMax, initial.atLive);
    outcome.roomAtMax = Math.min(count, initial.atMax);
    if (outcome.allowed < count) {
      const which = initial.atLive < outcome.roomAtMax ? `; the live cap holds: ${live} live + ${initial.pending} not yet listed, maxLiveHosts ${maxLive}` : '';
      outcome.limitedBy = `the re-count right before launching found ${counting} ready + launching, room for ${outcome.allowed} (${live} live, ${initial.pending} launched but not yet listed; maxHosts ${maxHosts}, maxLiveHosts ${maxLive})${which}`;
    }
    if (fleet) {
      const left = await launchFleets(outcome, remaining, limitsOf, now, timeout, dryRun);
      if (left === null) return outcome;
      remaining = left;
      // Refused by IAM (the default allocation only): the rest through RunInstances, in price order.
      if (fellBack) offers = await orderOffers(client, config, now, await zonesOfSubnets());
    }
    for (const offer of fleet && !fellBack ? [] : offers) {
      if (remaining === 0) break;
      if (isAvoided(backoff, offer.key, now)) {
        outcome.attempts.push({ offer: offer.label, outcome: 'avoided', error: `capacity error earlier: avoided until ${new Date(backoff[offer.key]!.until).toISOString()}` });
        continue;
      }
      let limits = { pending: 0, atMax: 0, atLive: 0 };
      let admitted: LaunchIntent | null = null;
      if (dryRun) {
        limits = limitsOf((await ledger.load()).intents);
      } else {
        await changeLedger(ledger, (intents) => {
          limits = limitsOf(intents);
          const n = Math.min(remaining, limits.atMax, limits.atLive);
          admitted = n > 0 ? { token: newToken(), scheduler: schedulerId, at: now, count: n, offer: offer.key, instanceIds: null } : null;
          return admitted ? [...prune(intents, now, timeout), admitted] : null;
        });
      }
      const n = Math.min(remaining, limits.atMax, limits.atLive);
      if (n === 0) break;
      if (dryRun) {
        const stop = await dryRunOffer(offer, n, now, outcome);
        if (stop === 'next') continue;
        break;
      }
      const intent: LaunchIntent = admitted!;
      let made: PoolInstance[];
      try {
        made = await runInstances(client, runInput(pool, config, offer, intent.count, intent.at, intent.token, schedulerId));
        if (made.length === 0) throw new Error('EC2 RunInstances answered without any instance: the outcome is unknown');
      } catch (err) {
        if (isDefiniteRefusal(err)) {
          await changeLedger(ledger, (intents) => intents.filter((i) => i.token !== intent.token));
          if (isAwsError(err) && err.code && CAPACITY_ERRORS.has(err.code)) {
            backoff[offer.key] = afterCapacityError(backoff[offer.key], now, config.capacityBackoff);
            outcome.attempts.push({ offer: offer.label, outcome: 'capacity', error: err.code });
            continue;
          }
          outcome.attempts.push({ offer: offer.label, outcome: 'error', error: describeError(err) });
          outcome.error = describeError(err);
          return outcome;
        }
        const why = `outcome unknown (${describeError(err)}): the launch of up to ${intent.count} (client token ${intent.token}) stays counted and is resolved before anything new is launched; nothing more launched this tick`;
        outcome.attempts.push({ offer: offer.label, outcome: 'error', count: intent.count, error: why });
        outcome.error = `RunInstances ${why}`;
        return outcome;
      }
      delete backoff[offer.key];
      outcome.launched.push(...made.map((i) => ({ ...toHost(i), state: 'launching' as const, since: now })));
      outcome.attempts.push({ offer: offer.label, outcome: 'launched', count: made.length });
      remaining -= made.length;
      const ids = made.map((i) => i.instanceId);
      try {
        await changeLedger(ledger, (intents) => intents.map((i) => (i.token === intent.token ? { ...i, instanceIds: ids } : i)));
      } catch (err) {
        outcome.error = `launched ${ids.join(', ')} but could not record them in the launch ledger (${describeError(err)}): they stay counted by their client token; nothing more launched this tick`;
        return outcome;
      }
    }
    if (remaining > 0 && outcome.launched.length === 0 && !dryRun && outcome.allowed > 0) {
      outcome.error = `no capacity: every offer failed or is avoided (${outcome.attempts.map((a) => a.offer).join(', ') || 'no offer'})`;
    }
    if (dryRun && outcome.allowed > 0 && !outcome.error && !outcome.attempts.some((a) => a.outcome === 'would-launch')) {
      outcome.error = `no offer to launch on: every offer is avoided (${outcome.attempts.map((a) => a.offer).join(', ') || 'no offer'})`;
    }
    return outcome;
  }

  /**
   * The fleet launch: per market (spot, then on-demand when the fallback is on), one intent written
   * ahead, then one CreateFleet instant over every offer not in backoff. Its answer is read per
   * override: instances launched (their offers' backoff cleared), capacity errors (those offers
   * backed off), other errors (reported; with nothing launched, the launch stops as a RunInstances
   * error does). Returns what is left to launch, or null when the launch stops here.
   */
  async function launchFleets(
    outcome: LaunchOutcome,
    count: number,
    limitsOf: (intents: readonly LaunchIntent[]) => { pending: number; atMax: number; atLive: number },
    now: number,
    timeout: number,
    dryRun: boolean,
  ): Promise<number | null> {
    const backoff = outcome.backoff;
    let remaining = count;
    const markets: Array<Offer['market']> = config.market === 'on-demand' ? ['on-demand'] : config.onDemandFallback ? ['spot', 'on-demand'] : ['spot'];
    for (const market of markets) {
      if (remaining === 0) break;
      const usable: Offer[] = [];
      for (const offer of offersFor(config, market)) {
        if (isAvoided(backoff, offer.key, now)) outcome.attempts.push({ offer: offer.label, outcome: 'avoided', error: `capacity error earlier: avoided until ${new Date(backoff[offer.key]!.until).toISOString()}` });
        else usable.push(offer);
      }
      if (usable.length === 0) continue;
      const label = fleetLabel(market, usable);
      let limits = { pending: 0, atMax: 0, atLive: 0 };
      let admitted: LaunchIntent | null = null;
      if (dryRun) {
        limits = limitsOf((await ledger.load()).intents);
      } else {
        // The template first: a launch that cannot have one is refused before any intent is written.
        try {
          await ensureTemplate();
        } catch (err) {
          if (!(mayFallBack && isAuthorisationRefusal(err))) throw err;
          fallBack(outcome, label, 'ec2:CreateLaunchTemplate', err, now, dryRun);
          fellBack = true;
          return remaining;
        }
        await changeLedger(ledger, (intents) => {
          limits = limitsOf(intents);
          const n = Math.min(remaining, limits.atMax, limits.atLive);
          admitted = n > 0 ? { token: newToken(), scheduler: schedulerId, at: now, count: n, offer: fleetOfferKey(market, usable), instanceIds: null } : null;
          return admitted ? [...prune(intents, now, timeout), admitted] : null;
        });
      }
      const n = Math.min(remaining, limits.atMax, limits.atLive);
      if (n === 0) break;
      if (dryRun) {
        const checked = await dryRunFleet(market, usable, n, now, outcome);
        if (checked === 'next') continue;
        if (checked === 'fell-back') {
          fellBack = true;
          return remaining;
        }
        break;
      }
      const intent: LaunchIntent = admitted!;
      let result: FleetResult;
      try {
        const answer = await createFleet(client, fleetInput(pool, config, template, market, usable, intent.count, intent.at, intent.token, schedulerId));
        result = readFleetAnswer(config, market, answer);
        if (result.launched.length === 0 && result.errors.length === 0) throw new Error('EC2 CreateFleet answered without any instance and without any error: the outcome is unknown');
      } catch (err) {
        if (isDefiniteRefusal(err)) {
          await changeLedger(ledger, (intents) => intents.filter((i) => i.token !== intent.token));
          if (isAwsError(err) && err.code && CAPACITY_ERRORS.has(err.code)) {
            for (const o of usable) backoff[o.key] = afterCapacityError(backoff[o.key], now, config.capacityBackoff);
            outcome.attempts.push({ offer: label, outcome: 'capacity', error: err.code });
            continue;
          }
          if (isAuthorisationRefusal(err)) {
            if (mayFallBack) {
              fallBack(outcome, label, 'ec2:CreateFleet', err, now, dryRun);
              fellBack = true;
              return remaining;
            }
            const fix = `${describeError(err)}: grant ${fleetNeeds.join(' and ')}, or set backend.allocation: "lowest-price-order"`;
            outcome.attempts.push({ offer: label, outcome: 'error', error: fix });
            outcome.error = fix;
            return null;
          }
          outcome.attempts.push({ offer: label, outcome: 'error', error: describeError(err) });
          outcome.error = describeError(err);
          return null;
        }
        const why = `outcome unknown (${describeError(err)}): the launch of up to ${intent.count} (client token ${intent.token}) stays counted and is resolved before anything new is launched; nothing more launched this tick`;
        outcome.attempts.push({ offer: label, outcome: 'error', count: intent.count, error: why });
        outcome.error = `CreateFleet ${why}`;
        return null;
      }
      const ids = result.launched.flatMap((l) => l.instanceIds);
      const at = new Date(now);
      for (const l of result.launched) {
        delete backoff[l.offer.key];
        outcome.launched.push(
          ...l.instanceIds.map((id) => ({
            ...toHost({ instanceId: id, state: 'pending', launchTime: at, lifecycle: market, ...(l.offer.type ? { instanceType: l.offer.type } : {}), tags: {} }),
            state: 'launching' as const,
            since: now,
          })),
        );
        outcome.attempts.push({ offer: l.offer.label, outcome: 'launched', count: l.instanceIds.length });
      }
      const launchedOn = new Set(result.launched.map((l) => l.offer.key));
      const sent = new Set(usable.map((o) => o.key));
      let refusal: string | null = null;
      for (const e of result.errors) {
        if (CAPACITY_ERRORS.has(e.code)) {
          // An error naming no offer of this fleet is the fleet's as a whole: every offer that launched nothing.
          const hit = sent.has(e.offer.key) ? [e.offer] : usable.filter((o) => !launchedOn.has(o.key));
          for (const o of hit) if (!launchedOn.has(o.key)) backoff[o.key] = afterCapacityError(backoff[o.key], now, config.capacityBackoff);
          outcome.attempts.push({ offer: sent.has(e.offer.key) ? e.offer.label : label, outcome: 'capacity', error: e.code });
        } else {
          const what = `${e.code}${e.message ? `: ${e.message}` : ''}`;
          refusal ??= what;
          outcome.attempts.push({ offer: sent.has(e.offer.key) ? e.offer.label : label, outcome: 'error', error: what });
        }
      }
      remaining -= ids.length;
      try {
        await changeLedger(ledger, (intents) => intents.map((i) => (i.token === intent.token ? { ...i, instanceIds: ids } : i)));
      } catch (err) {
        outcome.error = `launched ${ids.join(', ') || 'nothing'} but could not record it in the launch ledger (${describeError(err)}): the launch stays counted; nothing more launched this tick`;
        return null;
      }
      if (ids.length === 0 && refusal !== null) {
        outcome.error = `CreateFleet launched nothing: ${refusal}`;
        return null;
      }
    }
    return remaining;
  }

  /** A dry run of one fleet: as dryRunOffer, with the pool's own template checked by a dry-run CreateLaunchTemplate first. */
  async function dryRunFleet(market: Offer['market'], usable: readonly Offer[], n: number, now: number, outcome: LaunchOutcome): Promise<'next' | 'stop' | 'fell-back'> {
    const label = fleetLabel(market, usable);
    let created = templateReady;
    let action = 'ec2:CreateLaunchTemplate';
    try {
      if (template.create && !templateReady) created = await ensureLaunchTemplate(client, template.create.name, template.create.data, template.create.token, true);
      action = 'ec2:CreateFleet';
      await createFleet(client, { ...fleetInput(pool, config, template, market, usable, n, now, newToken(), schedulerId), DryRun: true });
      outcome.attempts.push({ offer: label, outcome: 'error', error: 'EC2 answered a DryRun CreateFleet with a fleet' });
      outcome.error = 'EC2 answered a DryRun CreateFleet with a fleet';
      return 'stop';
    } catch (err) {
      if (isAwsError(err) && err.code === 'DryRunOperation') {
        outcome.attempts.push({ offer: label, outcome: 'would-launch', count: n, error: 'DryRunOperation: the launch would succeed' });
        return 'stop';
      }
      if (mayFallBack && isAuthorisationRefusal(err)) {
        fallBack(outcome, label, action, err, now, true);
        return 'fell-back';
      }
      if (template.create && !created && isAwsError(err) && err.code && TEMPLATE_NOT_FOUND.test(err.code)) {
        outcome.attempts.push({ offer: label, outcome: 'would-launch', count: n, error: `the launch template ${template.create.name} would be created first (CreateLaunchTemplate DryRunOperation); the fleet itself cannot be checked before it exists` });
        return 'stop';
      }
      if (isAwsError(err) && err.code && CAPACITY_ERRORS.has(err.code)) {
        outcome.attempts.push({ offer: label, outcome: 'capacity', error: err.code });
        return 'next';
      }
      outcome.attempts.push({ offer: label, outcome: 'error', error: describeError(err) });
      outcome.error = `dry run: ${describeError(err)}`;
      return 'stop';
    }
  }

  /** A dry run of one offer: DryRunOperation is "would succeed"; a capacity error moves on; anything else is the error a real run would meet. */
  async function dryRunOffer(offer: Offer, n: number, now: number, outcome: LaunchOutcome): Promise<'next' | 'stop'> {
    try {
      await runInstances(client, { ...runInput(pool, config, offer, n, now, newToken(), schedulerId), DryRun: true });
      outcome.attempts.push({ offer: offer.label, outcome: 'error', error: 'EC2 answered a DryRun RunInstances with instances' });
      outcome.error = 'EC2 answered a DryRun RunInstances with instances';
      return 'stop';
    } catch (err) {
      if (isAwsError(err) && err.code === 'DryRunOperation') {
        outcome.attempts.push({ offer: offer.label, outcome: 'would-launch', count: n, error: 'DryRunOperation: the launch would succeed' });
        return 'stop';
      }
      if (isAwsError(err) && err.code && CAPACITY_ERRORS.has(err.code)) {
        outcome.attempts.push({ offer: offer.label, outcome: 'capacity', error: err.code });
        return 'next';
      }
      outcome.attempts.push({ offer: offer.label, outcome: 'error', error: describeError(err) });
      outcome.error = `dry run: ${describeError(err)}`;
      return 'stop';
    }
  }

  /**
   * This scheduler's earlier launches whose outcome is unknown, first: each is sent again with its
   * own token and parameters (EC2 answers with the instances it launched then, or launches once
   * now), or, when it cannot be re-sent as it was, looked up by its client token. Returns an error
   * when an outcome is still unknown: then nothing new is launched.
   */
  async function resolveEarlier(offers: readonly Offer[], outcome: LaunchOutcome, now: number, timeout: number): Promise<string | null> {
    const { intents } = await ledger.load();
    for (const intent of intents) {
      if (intent.scheduler !== schedulerId || intent.instanceIds !== null || isExpired(intent, now, timeout)) continue;
      if (intent.offer.startsWith('fleet:')) {
        const stop = await resolveFleet(intent, outcome, now, timeout);
        if (stop) return stop;
        continue;
      }
      const offer = offers.find((o) => o.key === intent.offer);
      let ids: string[] | null = null;
      let lookUp = offer === undefined;
      if (offer) {
        try {
          const made = await runInstances(client, runInput(pool, config, offer, intent.count, intent.at, intent.token, schedulerId));
          if (made.length > 0) ids = made.map((i) => i.instanceId);
        } catch (err) {
          if (isAwsError(err) && err.code === 'IdempotentParameterMismatch') lookUp = true;
          else if (isDefiniteRefusal(err)) {
            await changeLedger(ledger, (now_) => now_.filter((i) => i.token !== intent.token));
            if (isAwsError(err) && err.code && CAPACITY_ERRORS.has(err.code)) outcome.backoff[offer.key] = afterCapacityError(outcome.backoff[offer.key], now, config.capacityBackoff);
            outcome.attempts.push({ offer: offer.label, outcome: 'error', error: `earlier launch ${intent.token} sent again: refused (${describeError(err)}): nothing was launched by it` });
            continue;
          } else {
            return `the earlier launch ${intent.token} (${offer.label}, up to ${intent.count}) was sent again and its outcome is still unknown (${describeError(err)}): nothing new launched this tick`;
          }
        }
      }
      if (lookUp) {
        const found = await describeByClientToken(client, pool, intent.token);
        if (found.length > 0) ids = found.map((i) => i.instanceId);
      }
      if (ids === null) {
        outcome.attempts.push({ offer: offer?.label ?? intent.offer, outcome: 'error', count: intent.count, error: `earlier launch ${intent.token}: its instances are not found yet; it stays counted until ${new Date(intent.at + timeout).toISOString()}` });
        continue;
      }
      const found = ids;
      await changeLedger(ledger, (all) => all.map((i) => (i.token === intent.token ? { ...i, instanceIds: found } : i)));
      outcome.resolved = [...(outcome.resolved ?? []), ...found];
      outcome.attempts.push({ offer: offer?.label ?? intent.offer, outcome: 'resolved', count: found.length, error: `earlier launch ${intent.token} of unknown outcome: ${found.join(', ')}` });
    }
    return null;
  }

  /**
   * An earlier fleet launch of unknown outcome: sent again as it was (same token, offers, count
   * and tags: EC2 answers with the fleet it launched then, or launches it once now). When it cannot
   * be sent as it was (the pool file changed: IdempotentParameterMismatch, or an offer is gone), it
   * stays counted until the launch timeout: its instances, if any, are listed by their pool tag and
   * counted twice until then, never zero times. Returns an error when the outcome is still unknown.
   */
  async function resolveFleet(intent: LaunchIntent, outcome: LaunchOutcome, now: number, timeout: number): Promise<string | null> {
    const sent = fleetOffersOf(intent.offer, config);
    const label = sent ? fleetLabel(sent.market, sent.offers) : intent.offer;
    let ids: string[] | null = null;
    if (sent) {
      try {
        await ensureTemplate();
        const result = readFleetAnswer(config, sent.market, await createFleet(client, fleetInput(pool, config, template, sent.market, sent.offers, intent.count, intent.at, intent.token, schedulerId)));
        ids = result.launched.flatMap((l) => l.instanceIds);
        if (ids.length === 0) {
          if (result.errors.length === 0) return `the earlier fleet launch ${intent.token} (${label}, up to ${intent.count}) was sent again and answered neither instances nor errors: its outcome is still unknown; nothing new launched this tick`;
          // EC2 answered the fleet with errors only: it launched nothing.
          await changeLedger(ledger, (all) => all.filter((i) => i.token !== intent.token));
          for (const e of result.errors) if (CAPACITY_ERRORS.has(e.code)) outcome.backoff[e.offer.key] = afterCapacityError(outcome.backoff[e.offer.key], now, config.capacityBackoff);
          outcome.attempts.push({ offer: label, outcome: 'error', error: `earlier launch ${intent.token} sent again: it launched nothing (${result.errors.map((e) => e.code).join(', ')})` });
          return null;
        }
      } catch (err) {
        if (isAwsError(err) && err.code === 'IdempotentParameterMismatch') ids = null;
        else if (isDefiniteRefusal(err)) {
          await changeLedger(ledger, (all) => all.filter((i) => i.token !== intent.token));
          outcome.attempts.push({ offer: label, outcome: 'error', error: `earlier launch ${intent.token} sent again: refused (${describeError(err)}): nothing was launched by it` });
          return null;
        } else {
          return `the earlier fleet launch ${intent.token} (${label}, up to ${intent.count}) was sent again and its outcome is still unknown (${describeError(err)}): nothing new launched this tick`;
        }
      }
    }
    if (ids === null) {
      outcome.attempts.push({ offer: label, outcome: 'error', count: intent.count, error: `earlier fleet launch ${intent.token} cannot be sent again as it was (the pool file changed): it stays counted until ${new Date(intent.at + timeout).toISOString()}` });
      return null;
    }
    const found = ids;
    await changeLedger(ledger, (all) => all.map((i) => (i.token === intent.token ? { ...i, instanceIds: found } : i)));
    outcome.resolved = [...(outcome.resolved ?? []), ...found];
    outcome.attempts.push({ offer: label, outcome: 'resolved', count: found.length, error: `earlier launch ${intent.token} of unknown outcome: ${found.join(', ')}` });
    return null;
  }

  return {
    async list() {
      const { instances, pages } = await describePoolInstances(client, pool, undefined, OBSERVED_STATES);
      const others = coordinated ? [] : instances.flatMap((i) => {
        const by = i.tags[SCHEDULER_TAG];
        return by !== undefined && by !== schedulerId ? [{ id: i.instanceId, scheduler: by, launchedAt: i.launchTime?.getTime() ?? 0 }] : [];
      });
      return { hosts: instances.map(toHost), calls: pages, ...(others.length > 0 ? { others } : {}) };
    },

    launch: (count, opts) => launchWith(count, opts, false),

    validateLaunch: (count, opts) => launchWith(count, opts, true),

    writeStates,

    async hostPrices(hosts, now) {
      // One DescribeSpotPriceHistory for the live spot hosts' types, filtered by their zones.
      const spot = hosts.filter((h) => h.lifecycle === 'spot' && h.cloud !== 'terminated' && h.instanceType && h.zone);
      if (spot.length === 0) return {};
      const prices = await spotPricesByZone(client, spot.map((h) => ({ type: h.instanceType!, zone: h.zone! })), new Date(now));
      const out: Record<string, number> = {};
      for (const h of spot) {
        const price = prices.get(`${h.instanceType}|${h.zone}`);
        if (price !== undefined) out[h.id] = price;
      }
      return out;
    },

    async terminate(items: readonly TerminateItem[], recheck?: Recheck): Promise<TerminateOutcome> {
      const out: TerminateOutcome = { terminated: [], refused: [] };
      if (items.length === 0) return out;
      // The describe right before the terminate carries the pool tag filter: an id that no longer
      // shows it (retagged, another pool's, gone) is never terminated.
      const { instances } = await describePoolInstances(client, pool, items.map((i) => i.hostId));
      const seen = new Map(instances.map((i) => [i.instanceId, i]));
      // Every host is re-checked side by side (the recheck bounds how many at once), then those
      // still free to go are terminated in one call.
      const keeps = await Promise.all(
        items.map(async (item) => {
          const instance = seen.get(item.hostId);
          if (!instance) return `not found with ${POOL_TAG}=${pool} right before the terminate: left alone`;
          return recheck ? recheck(toHost(instance)) : null;
        }),
      );
      const go: TerminateItem[] = [];
      items.forEach((item, k) => {
        const keep = keeps[k];
        if (keep) out.refused.push({ hostId: item.hostId, reason: keep });
        else go.push(item);
      });
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

/**
 * Live, for the cap on what is billed: every state but terminated, as issue 17 defines it. AWS stops
 * billing at shutting-down, but an instance there may still be finishing (and a stuck one is a real
 * cost); counting it makes the cap stricter by at most one tick's wait.
 */
function isLive(h: Host): boolean {
  return h.cloud !== 'terminated';
}

/** Ready or launching, or an orphan that is about to be adopted: what the cap counts. */
function countsTowardsMax(h: Host): boolean {
  if (h.cloud !== 'pending' && h.cloud !== 'running') return false;
  return h.state === 'ready' || h.state === 'launching' || h.state === 'untracked';
}

/**
 * The offers to try, in order: with spot, the types by current spot price (cheapest first; types
 * without a price after, in the file's order), then on-demand in the file's order when the fallback
 * is on. Each type is tried in each subnet of an explicit launch; when the subnets' zones are known,
 * each (type, subnet) offer is ordered by the spot price of that type in that subnet's zone.
 */
async function orderOffers(client: EC2Client, config: Ec2BackendConfig, now: number, zones: ReadonlyMap<string, string> | null): Promise<Offer[]> {
  const types: Array<string | undefined> = config.instanceTypes.length > 0 ? [...config.instanceTypes] : [undefined];
  const offers = (market: Offer['market'], ordered: Array<string | undefined>): Offer[] => offersFor(config, market, ordered);
  if (config.market === 'on-demand') return offers('on-demand', types);
  const fallback = config.onDemandFallback ? offers('on-demand', types) : [];
  const spot = offers('spot', types);
  if (zones && spot.length > 1 && spot.every((o) => o.type && o.subnet && zones.has(o.subnet))) {
    try {
      const prices = await spotPricesByZone(client, spot.map((o) => ({ type: o.type!, zone: zones.get(o.subnet!)! })), new Date(now));
      const price = (o: Offer): number => prices.get(`${o.type}|${zones.get(o.subnet!)}`) ?? Infinity;
      return [...[...spot].sort((a, b) => price(a) - price(b)), ...fallback];
    } catch {
      return [...spot, ...fallback];
    }
  }
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

/** The RunInstances of a launch intent: the same intent always gives the same input (EC2 idempotency needs the same parameters with the token). */
function runInput(pool: string, config: Ec2BackendConfig, offer: Offer, count: number, at: number, token: string, schedulerId: string): RunInstancesCommandInput {
  const tags = launchTags(pool, config, at, schedulerId);
  const input: RunInstancesCommandInput = {
    MinCount: 1,
    MaxCount: count,
    // The intent's token: an SDK retry, or the next tick re-sending it, gets the same instances.
    ClientToken: token,
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
