import type { DateTime } from 'luxon';
import { formatDuration } from '../runtime/duration.js';
import type { ChallengeMemory } from './memory.js';

/**
 * The policy options that keep capacity longer than upstream does (off by default): --scale-down-delay
 * and --min-uptime, in milliseconds. They can only turn a stop into "kept", never the reverse.
 */
export interface HoldPolicy {
  /** Stop only after pending has been 0 for this long, as seen by runs. */
  scaleDownDelayMs?: number;
  /** Never stop capacity that a run started less than this long ago. */
  minUptimeMs?: number;
}

/** What a decide function needs to apply the hold rules: the options, the memory (null: none usable), the time. */
export interface HoldInput {
  policy: HoldPolicy;
  memory: ChallengeMemory | null;
  now: DateTime;
}

export type HoldVerdict = { keep: true; reason: string } | { keep: false; note?: string };

/**
 * Given that today's rules say stop (nothing pending now), whether the options keep the capacity.
 * Pure. No options, or no usable memory (a missing or corrupt history): stop, exactly as today.
 * A challenge the (usable) history does not know yet has just been seen idle: idle for 0 min.
 * When the capacity is let go, `note` says which rules were checked ("idle for 35 min of 30 min").
 */
export function holdStop(input: HoldInput | undefined): HoldVerdict {
  if (!input) return { keep: false };
  const { policy, memory, now } = input;
  const delay = policy.scaleDownDelayMs ?? 0;
  const minUp = policy.minUptimeMs ?? 0;
  if ((delay <= 0 && minUp <= 0) || memory === null) return { keep: false };
  const nowMs = now.toMillis();
  const notes: string[] = [];

  if (minUp > 0 && memory.startedAt !== undefined) {
    const up = Math.max(0, nowMs - Date.parse(memory.startedAt));
    const text = `up for ${formatDuration(up)} of ${formatDuration(minUp)} minimum`;
    if (up < minUp) return { keep: true, reason: `${text}: kept` };
    notes.push(text);
  }
  if (delay > 0) {
    const idle = memory.idleSince === undefined ? 0 : Math.max(0, nowMs - Date.parse(memory.idleSince));
    const text = `idle for ${formatDuration(idle)} of ${formatDuration(delay)}`;
    if (idle < delay) return { keep: true, reason: `${text}: kept` };
    notes.push(text);
  }
  return notes.length ? { keep: false, note: notes.join(', ') } : { keep: false };
}

/** Whether any hold option is on. */
export function holdsAnything(p: HoldPolicy): boolean {
  return (p.scaleDownDelayMs ?? 0) > 0 || (p.minUptimeMs ?? 0) > 0;
}
