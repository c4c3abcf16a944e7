import { ExitCode, type ExitCodeValue } from '../runtime/exit-codes.js';
import { describeError } from '../runtime/errors.js';
import type { ChallengeRunResult } from './run-challenges.js';

/**
 * 3 when nothing could be done (the token was rejected, or not even the first page of the challenge
 * list could be read); 1 when something failed but the rest was handled; 0 otherwise.
 */
export function exitCodeFor(result: ChallengeRunResult): ExitCodeValue {
  if (result.fatal) return ExitCode.Unavailable;
  if (result.sourceError && result.entriesRead === 0) return ExitCode.Unavailable;
  if (result.sourceError || result.outcomes.some((o) => o.status === 'failed')) return ExitCode.Partial;
  return ExitCode.Ok;
}

export function runErrors(result: ChallengeRunResult): string[] {
  const errors: string[] = [];
  if (result.fatal) errors.push(`${describeError(result.fatal)}; the run stopped and took no further action`);
  if (result.sourceError) {
    const after = result.entriesRead > 0 ? `after ${result.entriesRead} challenges were read (those were handled)` : 'nothing could be read, so nothing was done';
    errors.push(`${describeError(result.sourceError)}; ${after}`);
  }
  return errors;
}
