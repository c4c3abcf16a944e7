import { readdirSync } from 'node:fs';
import { writeFileAtomically } from './atomic-file.js';
import { firstIssue, readJsonFile } from './json-file.js';
import { join } from 'node:path';
import { z } from './zod.js';
import type { Failing } from './failing.js';

/** What a run leaves behind for an operator's alerting: one small JSON file per command and target. */
export interface RunStatus {
  command: string;
  target: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'running' | 'ok' | 'partial' | 'failed' | 'interrupted';
  exitCode: number | null;
  counts: Record<string, number>;
  /** The last full run (not limited by --challenge) that exited 0; carried over from earlier files. */
  lastSuccessAt: string | null;
  message?: string;
  /** The run was limited to some challenges (--challenge): it says nothing of the others. */
  scoped?: boolean;
  /** Where the next run resumes (the run stopped early after this challenge). */
  resumeAfter?: number;
  /** Since when runs have not exited 0, and the items that failed in the last one (runtime/failing.ts); absent after a run that exited 0. */
  failing?: Failing;
}

export const STATUS_SUFFIX = '.status.json';

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a time');
const statusSchema = z.object({
  command: z.string(),
  target: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime.nullable(),
  outcome: z.enum(['running', 'ok', 'partial', 'failed', 'interrupted']),
  exitCode: z.number().int().nullable(),
  counts: z.record(z.string(), z.number()),
  lastSuccessAt: isoTime.nullable(),
  message: z.string().optional(),
  scoped: z.boolean().optional(),
  resumeAfter: z.number().int().positive().optional(),
  failing: z
    .object({
      since: isoTime,
      exitCode: z.number().int(),
      items: z.array(z.object({ id: z.number().int(), since: isoTime, error: z.string() })),
      more: z.number().int().nonnegative(),
    })
    .optional(),
});

/** A status file as read: its content, or what is wrong with it (it is never silently ignored). */
export type StatusRead = { ok: true; path: string; status: RunStatus } | { ok: false; path: string; problem: string };

export function readStatus(path: string): StatusRead | null {
  const read = readJsonFile(path);
  if (!read.ok) return read.missing ? null : { ok: false, path, problem: read.problem };
  const parsed = statusSchema.safeParse(read.json);
  if (!parsed.success) return { ok: false, path, problem: `not a status file: ${firstIssue(parsed.error)}` };
  return { ok: true, path, status: parsed.data as RunStatus };
}

/** Written to a temporary file then renamed: a reader never sees half a file, and no temp file stays behind. */
export function writeStatus(path: string, status: RunStatus): void {
  writeFileAtomically(path, JSON.stringify(status, null, 2) + '\n');
}

/** Every status file in the state directory, readable or not; none when the directory does not exist. */
export function listStatuses(dir: string): StatusRead[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith(STATUS_SUFFIX))
    .sort()
    .map((n) => readStatus(join(dir, n)))
    .filter((s): s is StatusRead => s !== null);
}

/** The target key of a status file's name (`scale-workers@eval.ai-1a2b3c4d`). */
export function targetOfStatusFile(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.slice(0, -STATUS_SUFFIX.length);
}
