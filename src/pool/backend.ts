import type { Host } from './host.js';
import type { Move } from './states.js';

/** Offers (market, type, subnet) that hit a capacity error, and until when (ms) they are avoided. Kept in the state file. */
export type CapacityBackoff = Record<string, number>;

export interface LaunchAttempt {
  /** "spot c5.large", "on-demand g4dn.xlarge in subnet-1". */
  offer: string;
  outcome: 'launched' | 'capacity' | 'error' | 'avoided';
  count?: number;
  error?: string;
}

export interface LaunchOutcome {
  /** The new hosts, in state launching. */
  launched: Host[];
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
  list(): Promise<{ hosts: Host[]; calls: number }>;
  /** Re-counts from the cloud, then launches at most `count` without passing `maxHosts` (ready + launching). */
  launch(count: number, opts: { now: number; maxHosts: number; backoff: CapacityBackoff }): Promise<LaunchOutcome>;
  /** Records state moves on the hosts (batched). */
  writeStates(moves: readonly Move[]): Promise<void>;
  /** Re-checks each host (still the pool's, and the recheck hook), records the move, then terminates. */
  terminate(items: readonly TerminateItem[], recheck?: Recheck): Promise<TerminateOutcome>;
  /**
   * A dry run's check of what a launch would send, without launching (SLURM: `sbatch --test-only`):
   * the scheduler's answer, or the error the real launch would meet. Absent: nothing to check.
   */
  validateLaunch?(count: number): Promise<{ answer: string } | { error: string }>;
}
