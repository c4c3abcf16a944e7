import { readFileSync } from 'node:fs';
import type { z } from './zod.js';

/** A JSON file as read: its value, or what is wrong with it (missing, unreadable, empty, not JSON). */
export type JsonFileRead = { ok: true; json: unknown } | { ok: false; missing: boolean; problem: string };

export function readJsonFile(path: string): JsonFileRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', problem: code === 'ENOENT' ? 'missing' : `unreadable (${code ?? 'error'})` };
  }
  try {
    return { ok: true, json: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, missing: false, problem: text.trim() === '' ? 'empty' : 'not JSON (truncated or corrupt)' };
  }
}

/** The first thing a schema found wrong in a file: "where: what" ("the whole file" at the top). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `${issue.path.length ? issue.path.join('.') : 'the whole file'}: ${issue.message}`;
}
