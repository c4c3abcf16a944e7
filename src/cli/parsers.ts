import { InvalidArgumentError } from './commander.js';
import { BYTE_SIZE_HINT, parseByteSize } from '../runtime/byte-size.js';
import { parseDuration } from '../runtime/duration.js';
import { ENV_NAMES, parseEnvMode, type EnvMode } from '../runtime/env-mode.js';

/** commander argument parsers: a bad value is a usage error (exit 2) naming the flag. */
export function durationArg(value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new InvalidArgumentError('expected a duration such as 10s, 5m, 14d');
  return ms;
}

/**
 * A duration that becomes a timer, with an upper bound well inside Node's timer limit (about 24.8
 * days): past that a timer fires at once, which would end the run before it starts.
 */
export function durationUpToArg(max: string, maxMs: number) {
  return (value: string): number => {
    const ms = durationArg(value);
    if (ms > maxMs) throw new InvalidArgumentError(`at most ${max}`);
    return ms;
  };
}

/** A duration that must carry its unit: for thresholds, a bare "14" (seconds) is far likelier a mistake than meant. */
export function durationWithUnitArg(value: string): number {
  const ms = parseDuration(value);
  if (/^\s*\d+(\.\d+)?\s*$/.test(value) || ms === null || ms <= 0) {
    throw new InvalidArgumentError('expected a duration with a unit, such as 14d, 36h or 2w');
  }
  return ms;
}

export function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function idListArg(value: string, previous: number[] | undefined): number[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const out = [...(previous ?? [])];
  for (const id of ids) {
    if (!/^\d+$/.test(id) || Number(id) <= 0) throw new InvalidArgumentError(`"${id}" is not a challenge id`);
    out.push(Number(id));
  }
  return out;
}

/** --max-response-bytes 32MiB */
export function byteSizeArg(value: string): number {
  const n = parseByteSize(value);
  if (n === null) throw new InvalidArgumentError(BYTE_SIZE_HINT);
  return n;
}

/** --env: a known deployment name or a usage error (exit 2); a typo must not run as dev. */
export function envModeArg(value: string): EnvMode {
  const mode = parseEnvMode(value);
  if (!mode) throw new InvalidArgumentError(`expected one of ${ENV_NAMES.join(', ')}`);
  return mode;
}
