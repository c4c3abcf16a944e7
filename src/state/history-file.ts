import { writeFileAtomically } from '../runtime/atomic-file.js';
import { firstIssue, readJsonFile } from '../runtime/json-file.js';
import { z } from '../runtime/zod.js';
import type { ChallengeMemory } from './memory.js';

export const HISTORY_SUFFIX = '.history.json';
export const HISTORY_VERSION = 1;

/** One command and target's memory, in `<state dir>/<target>.history.json`. */
export interface HistoryFile {
  version: typeof HISTORY_VERSION;
  command: string;
  target: string;
  updatedAt: string;
  /** By challenge id. */
  challenges: Record<string, ChallengeMemory>;
}

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a time');
const memorySchema = z.strictObject({
  startedAt: isoTime.optional(),
  idleSince: isoTime.optional(),
  lastSeenAt: isoTime,
  lastAction: z.strictObject({ action: z.string(), status: z.string(), at: isoTime }).optional(),
});
const fileSchema = z.strictObject({
  version: z.literal(HISTORY_VERSION),
  command: z.string(),
  target: z.string(),
  updatedAt: isoTime,
  challenges: z.record(z.string().regex(/^\d+$/, 'not a challenge id'), memorySchema),
});

export type HistoryRead = { ok: true; file: HistoryFile } | { ok: false; missing: boolean; problem: string };

/** The history file as read, or what is wrong with it (missing, unreadable, not JSON, not a history file). */
export function readHistory(path: string): HistoryRead {
  const read = readJsonFile(path);
  if (!read.ok) return read;
  const version = (read.json as { version?: unknown } | null)?.version;
  if (version !== HISTORY_VERSION && version !== undefined) {
    return { ok: false, missing: false, problem: `schema version ${JSON.stringify(version)}, this version reads ${HISTORY_VERSION}` };
  }
  const parsed = fileSchema.safeParse(read.json);
  if (!parsed.success) return { ok: false, missing: false, problem: `not a history file: ${firstIssue(parsed.error)}` };
  return { ok: true, file: parsed.data as HistoryFile };
}

/** Written to a temporary file then renamed: a reader never sees half a file; the temporary file never stays behind. */
export function writeHistory(path: string, file: HistoryFile): void {
  writeFileAtomically(path, JSON.stringify(file) + '\n');
}
