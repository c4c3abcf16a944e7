import { z } from '../runtime/zod.js';
import { describeIssues } from '../evalai/validate.js';
import { fromStored } from './capacity-backoff.js';
import { EMPTY_TICK_STATE, type PoolTickState } from './tick.js';

/**
 * What a pool keeps in its state file between ticks: the scale-down history and the capacity
 * backoff. The hosts' states are not here: they live on the instances. A missing or broken file
 * loses only this (the next scale-down waits the delay again; a failed type may be tried once more),
 * so it is read leniently, with a warning, never a failure.
 */
const schema = z.object({
  version: z.literal(1),
  history: z.object({ belowSince: z.number().int().nullable(), gone: z.record(z.string(), z.number().int()).optional(), interrupted: z.record(z.string(), z.number().int()).optional() }),
  // offer -> {until, stepMs}; the older shape offer -> until (ms) is still read.
  backoff: z.record(z.string(), z.union([z.number().int(), z.object({ until: z.number().int(), stepMs: z.number().int().nonnegative() })])),
});

export function serializeTickState(state: PoolTickState): string {
  return `${JSON.stringify({ version: 1, history: state.history, backoff: state.backoff }, null, 2)}\n`;
}

export function parseTickState(content: string | null): { state: PoolTickState; warning?: string } {
  if (content === null) return { state: EMPTY_TICK_STATE };
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return { state: EMPTY_TICK_STATE, warning: 'the pool state file is not valid JSON: starting from an empty history' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) return { state: EMPTY_TICK_STATE, warning: `the pool state file is not understood (${describeIssues(parsed.error)}): starting from an empty history` };
  return { state: { history: parsed.data.history, backoff: fromStored(parsed.data.backoff) } };
}
