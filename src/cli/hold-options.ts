import { InvalidArgumentError, Option, type Command } from './commander.js';
import { parseDuration } from '../runtime/duration.js';
import type { HoldPolicy } from '../state/hold.js';

const MAX_HOLD_MS = 7 * 86_400_000;

/** --scale-down-delay / --min-uptime: a duration with its unit (30m, 1h30m), or 0 for off; at most 7d. */
export function holdDurationArg(value: string): number {
  if (value.trim() === '0') return 0;
  const ms = parseDuration(value);
  if (/^\s*\d+(\.\d+)?\s*$/.test(value) || ms === null || ms <= 0) throw new InvalidArgumentError('expected a duration with a unit, such as 30m or 1h, or 0 for off');
  if (ms > MAX_HOLD_MS) throw new InvalidArgumentError('at most 7d');
  return ms;
}

export interface HoldFlags {
  scaleDownDelay?: number;
  minUptime?: number;
}

/** The options that keep capacity longer than upstream (off by default), for scale-workers, scale-ec2 and scale-eks. */
export function addHoldOptions(cmd: Command, stop: string): Command {
  return cmd
    .addOption(new Option('--scale-down-delay <duration>', `${stop} only after pending has been 0 for this long, as seen by runs (e.g. 30m; default off)`).argParser(holdDurationArg))
    .addOption(new Option('--min-uptime <duration>', 'never stop capacity a run started less than this long ago (e.g. 15m; default off)').argParser(holdDurationArg));
}

export function holdPolicyOf(flags: HoldFlags): HoldPolicy {
  return {
    ...(flags.scaleDownDelay ? { scaleDownDelayMs: flags.scaleDownDelay } : {}),
    ...(flags.minUptime ? { minUptimeMs: flags.minUptime } : {}),
  };
}
