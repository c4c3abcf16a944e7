import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a run leaves behind for an operator's alerting: one small JSON file per command and target. */
export interface RunStatus {
  command: string;
  target: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: 'running' | 'ok' | 'partial' | 'failed';
  exitCode: number | null;
  counts: Record<string, number>;
  /** The last run that exited 0; carried over from earlier files when this run did not. */
  lastSuccessAt: string | null;
  message?: string;
}

export const STATUS_SUFFIX = '.status.json';

export function readStatus(path: string): RunStatus | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunStatus;
  } catch {
    return null;
  }
}

/** Written to a temporary file then renamed: a reader never sees half a file. */
export function writeStatus(path: string, status: RunStatus): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(status, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, path);
}

export function listStatuses(dir: string): RunStatus[] {
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
    .filter((s): s is RunStatus => s !== null);
}
