import { ExitCode, signalExitCode, type ExitCodeValue } from '../runtime/exit-codes.js';
import { describeError } from '../runtime/errors.js';
import type { ChallengeRunResult } from './run-challenges.js';

export interface RunGuards {
  /** Actions refused by --max-actions. */
  refusedActions: number;
  /** The signal that stopped the run early (SIGTERM, SIGINT). */
  interruptedBy?: NodeJS.Signals;
}

/**
 * 3 when nothing could be done (the token was rejected, or not even the first page of the challenge
 * list could be read); 6 when --max-actions refused actions; 5 when the deadline left work undone;
 * 1 when something else failed but the rest was handled; 0 otherwise.
 */
export function exitCodeFor(result: ChallengeRunResult, guards: RunGuards = { refusedActions: 0 }): ExitCodeValue {
  if (result.fatal) return ExitCode.Unavailable;
  if (result.sourceError && result.entriesRead === 0) return ExitCode.Unavailable;
  if (guards.interruptedBy) return signalExitCode(guards.interruptedBy);
  if (guards.refusedActions > 0) return ExitCode.MaxActions;
  if (result.deadlineReached) return ExitCode.Deadline;
  if (result.sourceError || result.outcomes.some((o) => o.status === 'failed')) return ExitCode.Partial;
  return ExitCode.Ok;
}

export function runErrors(result: ChallengeRunResult, guards: RunGuards = { refusedActions: 0 }, maxActions?: number): string[] {
  const errors: string[] = [];
  if (result.fatal) errors.push(`${describeError(result.fatal)}; the run stopped and took no further action`);
  if (result.sourceError) {
    const after =
      result.entriesRead > 0
        ? `after ${result.entriesRead} challenges were read (those were handled)`
        : 'nothing could be read, so nothing was changed; check API_HOST_URL and that EvalAI is up (what stays running meanwhile: docs/operations.md)';
    errors.push(`${describeError(result.sourceError)}; ${after}`);
  }
  if (guards.refusedActions > 0) {
    errors.push(`--max-actions ${maxActions ?? ''} reached: ${guards.refusedActions} further action${guards.refusedActions === 1 ? ' was' : 's were'} refused; check the data before raising it`.replace('--max-actions  ', '--max-actions '));
  }
  if (guards.interruptedBy) {
    const n = result.notReached ?? 0;
    errors.push(`interrupted by ${guards.interruptedBy}: no new work was started after it${n ? ` (${n} listed challenge${n === 1 ? '' : 's'} not started)` : ''}; the next run resumes where this one stopped`);
  } else if (result.deadlineReached) {
    const n = result.notReached ?? 0;
    const listed = n ? `work on ${n} listed challenge${n === 1 ? '' : 's'} (or submissions) was not started, and the rest of the list was not read` : 'the rest of the list was not read';
    errors.push(`deadline passed: ${listed}; the next run starts with them`);
  }
  return errors;
}

