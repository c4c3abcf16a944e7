import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { ConfigError } from '../runtime/errors.js';

/** One submission of a trace: its challenge, when it arrived, how long its evaluation takes. */
export interface TraceSubmission {
  challenge: number;
  arrivalMs: number;
  durationMs: number;
}

const FIELDS = ['challenge', 'arrival', 'duration_s'] as const;
const SIMPLE_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A trace file: CSV with the header `challenge,arrival,duration_s`, or JSONL (one object a line with
 * the same fields; chosen by a `.jsonl`/`.ndjson` name or a first line starting with `{`). The first
 * bad line is a ConfigError (exit 2) naming file:line and the field. Sorted by arrival; submissions
 * arriving at the same time keep the file's order.
 */
export function readTrace(path: string): TraceSubmission[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the trace ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseTrace(text, path);
}

export function parseTrace(text: string, name: string): TraceSubmission[] {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) throw new ConfigError(`${name}: the trace is empty`);
  const jsonl = /\.(jsonl|ndjson)$/i.test(name) || lines[first]!.trim().startsWith('{');
  const out: TraceSubmission[] = [];
  const fail = (line: number, field: string, problem: string): never => {
    throw new ConfigError(`${name}:${line}: ${field}: ${problem}`);
  };

  if (jsonl) {
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!.trim();
      if (raw === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(raw);
      } catch {
        fail(i + 1, 'line', 'not a JSON object');
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(i + 1, 'line', 'not a JSON object');
      const rec = obj as Record<string, unknown>;
      for (const f of FIELDS) if (!(f in rec)) fail(i + 1, f, 'missing');
      out.push(submission(rec.challenge, rec.arrival, rec.duration_s, (f, p) => fail(i + 1, f, p)));
    }
  } else {
    const header = lines[first]!.trim().replace(/^\uFEFF/, '').split(',').map((h) => h.trim().toLowerCase());
    if (header.join(',') !== FIELDS.join(',')) fail(first + 1, 'header', `expected "${FIELDS.join(',')}", found "${lines[first]!.trim()}"`);
    for (let i = first + 1; i < lines.length; i++) {
      const raw = lines[i]!.replace(/\r$/, '');
      if (raw.trim() === '') continue;
      const cells = raw.split(',');
      if (cells.length !== 3) fail(i + 1, 'line', `expected 3 fields, found ${cells.length}`);
      out.push(submission(cells[0]!.trim(), cells[1]!.trim(), cells[2]!.trim(), (f, p) => fail(i + 1, f, p)));
    }
  }
  if (out.length === 0) throw new ConfigError(`${name}: the trace has no submission`);
  // Stable: equal arrivals keep the file's order.
  return out.map((s, i) => ({ s, i })).sort((a, b) => a.s.arrivalMs - b.s.arrivalMs || a.i - b.i).map((x) => x.s);
}

function submission(challenge: unknown, arrival: unknown, duration: unknown, fail: (field: string, problem: string) => never): TraceSubmission {
  const id = typeof challenge === 'number' ? challenge : typeof challenge === 'string' && /^\d+$/.test(challenge) ? Number(challenge) : NaN;
  if (!Number.isSafeInteger(id) || id <= 0) fail('challenge', `${JSON.stringify(challenge)} is not a challenge id (a positive whole number)`);
  if (typeof arrival !== 'string') fail('arrival', `${JSON.stringify(arrival)} is not an ISO-8601 time`);
  const a = arrival as string;
  if (!HAS_OFFSET.test(a)) fail('arrival', `"${a}" has no time zone (end it with Z or +00:00)`);
  // The common shape (2026-10-01T08:15:00Z) parses fast; anything else goes through luxon.
  const ms = SIMPLE_ISO.test(a) ? Date.parse(a) : DateTime.fromISO(a, { setZone: true }).toMillis();
  if (!Number.isFinite(ms)) fail('arrival', `"${a}" is not an ISO-8601 time`);
  const d = typeof duration === 'number' ? duration : typeof duration === 'string' && /^\d+(\.\d+)?$/.test(duration) ? Number(duration) : NaN;
  if (!Number.isFinite(d) || d < 0) fail('duration_s', `${JSON.stringify(duration)} is not a number of seconds (0 or more)`);
  return { challenge: id, arrivalMs: ms, durationMs: Math.round(d * 1000) };
}
