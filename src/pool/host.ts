import type { Stateful } from './states.js';

/** EC2's instance states, which the pool reads but never confuses with its own host states. */
export type CloudState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

/** What the optional health probe answered for a host. */
export type ProbeResult = { ok: true; healthy: boolean; jobs: number; /** Why it is not healthy, for the reason of the move. */ note?: string } | { ok: false; error: string };

/** One host of a pool as observed: the cloud's view, the state tags, and the probe if one is configured. */
export interface Host extends Stateful {
  cloud: CloudState;
  /** When the instance was launched (ms since the epoch). */
  launchedAt: number;
  instanceType?: string;
  lifecycle?: 'spot' | 'on-demand';
  zone?: string;
  privateIp?: string;
  publicIp?: string;
  /** Absent when no probe is configured. */
  probe?: ProbeResult;
  /**
   * Waiting in a batch scheduler's queue (a SLURM job still PENDING): it holds no resources and
   * runs nothing, so it is the first to drop when fewer hosts are wanted. EC2 never sets it.
   */
  queued?: boolean;
  /** The backend's words for `cloud` in reasons ("SLURM says PENDING"); "EC2 says <cloud>" when absent. */
  cloudSays?: string;
  /** What the host costs an hour (USD), when the backend knows it: the drain order's tie-break. */
  pricePerHour?: number;
  /** Why the cloud stopped or ended it, in its words ("Server.SpotInstanceTermination: Spot instance termination"). */
  cloudReason?: string;
  /** When the scheduler will end the host (a SLURM job's wall time), ms since the epoch. */
  endsAt?: number;
  /** A SLURM job's own words, for `status`: its state, the partition it was submitted to, its node. */
  slurm?: { state: string; partition?: string; node?: string };
}

/** The jobs a host holds, when something says: the probe, or a stopped instance (which runs nothing). */
export function knownJobs(host: Host): number | undefined {
  if (host.probe?.ok) return host.probe.jobs;
  if (host.cloud === 'stopped' || host.cloud === 'stopping') return 0;
  return undefined;
}
