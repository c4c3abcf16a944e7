import { formatDuration } from '../runtime/duration.js';
import type { Host } from './host.js';
import { HOST_STATES, UNTRACKED, type FromState } from './states.js';

/** One row of `scale-pool status`: every host with its state, type, lifecycle and age in state. */
export interface HostStatusRow {
  id: string;
  state: FromState;
  cloud: string;
  type: string;
  lifecycle: string;
  zone: string;
  /** What the host costs now, USD per hour: a spot host's spot price for its type in its zone; null when not known (on-demand hosts: no price list is read). */
  usdPerHour: number | null;
  /** ms in the current state (null when the state tag has no time). */
  inStateMs: number | null;
  inState: string;
  jobs: number | null;
  /** A SLURM job's columns (a SLURM pool's rows only): its state, partition, node and the wall time left. */
  slurm?: { state: string; partition: string; node: string; timeLeftMs: number | null; timeLeft: string };
}

const ORDER: readonly FromState[] = [...HOST_STATES, UNTRACKED];

/**
 * The state a host is shown and counted in: an instance the cloud shows terminated is `terminated`
 * whatever its tag still says (a spot reclaim not yet recorded), so it is counted apart from the
 * live states and never as ready.
 */
export function shownState(h: Pick<Host, 'state' | 'cloud'>): FromState {
  return h.cloud === 'terminated' ? 'terminated' : h.state;
}

export function statusRows(hosts: readonly Host[], now: number, prices: Readonly<Record<string, number>> = {}): HostStatusRow[] {
  return [...hosts]
    .sort((a, b) => ORDER.indexOf(shownState(a)) - ORDER.indexOf(shownState(b)) || a.launchedAt - b.launchedAt || a.id.localeCompare(b.id))
    .map((h) => {
      const inStateMs = h.since === null ? null : Math.max(0, now - h.since);
      return {
        id: h.id,
        state: shownState(h),
        cloud: h.cloud,
        type: h.instanceType ?? '-',
        lifecycle: h.lifecycle ?? '-',
        zone: h.zone ?? '-',
        usdPerHour: prices[h.id] ?? null,
        inStateMs,
        inState: inStateMs === null ? '-' : formatDuration(inStateMs),
        jobs: h.probe?.ok ? h.probe.jobs : null,
        ...(h.slurm ? { slurm: slurmColumns(h, now) } : {}),
      };
    });
}

function slurmColumns(h: Host, now: number): NonNullable<HostStatusRow['slurm']> {
  const timeLeftMs = h.endsAt === undefined ? null : Math.max(0, h.endsAt - now);
  return { state: h.slurm!.state, partition: h.slurm!.partition ?? '-', node: h.slurm!.node ?? '-', timeLeftMs, timeLeft: timeLeftMs === null ? '-' : formatDuration(timeLeftMs) };
}

/** "2 launching, 5 ready, 1 draining": the states present, in table order. */
export function stateCounts(hosts: readonly Host[]): Record<FromState, number> {
  const counts = Object.fromEntries(ORDER.map((s) => [s, 0])) as Record<FromState, number>;
  for (const h of hosts) counts[shownState(h)] += 1;
  return counts;
}

export function describeCounts(counts: Record<FromState, number>): string {
  const parts = ORDER.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'no hosts';
}
