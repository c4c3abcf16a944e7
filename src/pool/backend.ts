import type { Host } from './host.js';
import type { Move } from './states.js';

/** One offer's capacity backoff: avoided until `until` (ms); `stepMs` is the last wait, doubled on a repeat. */
export interface BackoffEntry {
  until: number;
  stepMs: number;
}

/** Offers (market, type, subnet) that hit a capacity error, and until when they are avoided. Kept in the state file. */
export type CapacityBackoff = Record<string, BackoffEntry>;

export interface LaunchAttempt {
  /** "spot c5.large", "on-demand g4dn.xlarge in subnet-1". */
  offer: string;
  /**
   * `resolved`: an earlier launch whose outcome was unknown, now known; `would-launch`: a dry run's
   * DryRunOperation; `fell-back`: the default allocation's CreateFleet (or its launch template) was
   * refused by IAM: the launch went through RunInstances instead.
   */
  outcome: 'launched' | 'capacity' | 'error' | 'avoided' | 'resolved' | 'would-launch' | 'fell-back';
  count?: number;
  error?: string;
}

export interface LaunchOutcome {
  /** The new hosts, in state launching. */
  launched: Host[];
  /**
   * Instances of an earlier launch whose answer was lost, named now that it was sent again with its
   * ClientToken (or found by it): launched on an earlier tick, reported on this one.
   */
  resolved?: string[];
  /** What the decision asked for, and what the re-count right before launching left room for. */
  wanted: number;
  allowed: number;
  /** Ready + launching hosts the cloud showed right before launching. */
  recounted: number;
  attempts: LaunchAttempt[];
  /** The backoff to keep for the next tick. */
  backoff: CapacityBackoff;
  /** Set when the launch stopped on an error that is not a capacity error, or nothing could be launched. */
  error?: string;
  /**
   * What the maxHosts cap alone left room for after the re-count (counting hosts + launches not yet
   * listed): launching fewer than this is a shortfall. Absent: the backend does not say (then `allowed`).
   */
  roomAtMax?: number;
  /** Why fewer than wanted were allowed (the re-count, the live cap), for the report. */
  limitedBy?: string;
  /** What a dry run's check answered (sbatch --test-only), for the report. */
  note?: string;
  /** What needs a person's look without failing the launch (the default allocation fell back to RunInstances). */
  warnings?: string[];
}

/** An instance of the pool launched by another scheduler (only reported without coordination). */
export interface OtherLaunch {
  id: string;
  scheduler: string;
  launchedAt: number;
}

/** What a launch is told besides the count. */
export interface LaunchOptions {
  now: number;
  maxHosts: number;
  backoff: CapacityBackoff;
  /** The cap on live instances (every state but terminated) plus launches not yet listed. */
  maxLiveHosts?: number;
  /** Launches not listed after this long stop counting (their instances, if any show, are past the launch timeout). */
  launchTimeoutMs?: number;
  /** Several worker types (SLURM + Ray): the type of each launch in order (the packer's plan), then `fallback` for the rest. */
  types?: { order: string[]; fallback: string };
}

export interface TerminateOutcome {
  terminated: string[];
  /** Hosts not terminated after the re-check, and why. */
  refused: Array<{ hostId: string; reason: string }>;
}

export interface TerminateItem {
  hostId: string;
  /** The move to terminating to record on the host before TerminateInstances (absent for a retry). */
  move?: Move;
}

/** Asked about each host right before it is terminated: a reason to keep it, or null. */
export type Recheck = (host: Host) => Promise<string | null>;

/**
 * What a pool needs from where its hosts live (EC2 now; SLURM and EKS later, cluster-autoscaler's
 * NodeGroup in spirit). Every method only ever sees the pool's own hosts.
 */
export interface PoolBackend {
  /** The pool's hosts as the cloud shows them, with their state tags. */
  list(): Promise<{ hosts: Host[]; calls: number; others?: OtherLaunch[] }>;
  /** Re-counts from the cloud, then launches at most `count` without passing `maxHosts` (ready + launching). */
  launch(count: number, opts: LaunchOptions): Promise<LaunchOutcome>;
  /**
   * A dry run's launch: asks the cloud whether the launch it would make is allowed (EC2 DryRun,
   * SLURM `sbatch --test-only`), records and launches nothing. Backends without one only plan.
   */
  validateLaunch?(count: number, opts: LaunchOptions): Promise<LaunchOutcome>;
  /** Records state moves on the hosts (batched). */
  writeStates(moves: readonly Move[]): Promise<void>;
  /**
   * What the pool's spot hosts cost now, USD per hour by host id (for `status`): the spot price of
   * each one's type in its zone. Hosts without a known price are absent. Backends without prices omit it.
   */
  hostPrices?(hosts: readonly Host[], now: number): Promise<Record<string, number>>;
  /**
   * Re-checks every host side by side (still the pool's, and the recheck hook, which bounds how many
   * at once), records the moves, then terminates those still free to go in one batched call.
   */
  terminate(items: readonly TerminateItem[], recheck?: Recheck): Promise<TerminateOutcome>;
}
