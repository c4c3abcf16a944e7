import { z } from '../runtime/zod.js';
import { parseEvalAIDateTime } from '../core/datetime.js';
import { EvalAIError } from './errors.js';

/** An EvalAI datetime string, parsed to a UTC luxon DateTime (contract §1.5). */
export const evalaiDateTime = z.string().transform((text, ctx) => {
  const parsed = parseEvalAIDateTime(text);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} is not an ISO-8601 datetime with a UTC offset` });
    return z.NEVER;
  }
  return parsed;
});

/**
 * Validates `value` against `schema` or throws a malformed-response error that names the endpoint
 * and each offending field: `challenge list: malformed response: results[3].workers: expected
 * number, received string`.
 */
export function validate<T extends z.ZodType>(schema: T, value: unknown, endpoint: string, where = ''): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // The transport parses an empty body to undefined: say so, rather than "missing".
  if (value === undefined && !where) throw new EvalAIError('malformed-response', endpoint, 'malformed response: the body was empty');
  if (value === undefined) throw new EvalAIError('malformed-response', endpoint, `malformed response: ${where}: the body was empty`);
  throw new EvalAIError('malformed-response', endpoint, `malformed response: ${describeIssues(result.error, where)}`);
}

/** At most this many problems are named in one line; the rest are counted. */
export const MAX_ISSUES_SHOWN = 10;

/**
 * Every problem zod found (up to MAX_ISSUES_SHOWN), each with its field path, joined by "; " on
 * one line: `field pools[0].policy.minHosts: expected number, received string; field
 * pools[0].name: missing`. A user fixes them all in one go rather than one per run.
 */
export function describeIssues(error: z.ZodError, where = ''): string {
  if (error.issues.length === 0) return 'invalid';
  const shown = error.issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => {
    const path = [where, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))]
      .join('')
      .replace(/^\./, '');
    return `${path ? `field ${path}: ` : ''}${simplify(issue)}`;
  });
  const more = error.issues.length > MAX_ISSUES_SHOWN ? ` (and ${error.issues.length - MAX_ISSUES_SHOWN} more)` : '';
  return `${shown.join('; ')}${more}`;
}

function simplify(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = /received (\w+)/.exec(issue.message)?.[1];
    if (received === 'undefined') return 'missing';
    // JSON.parse turns 1e400 into Infinity (and zod would say "expected number, received Infinity").
    if (received === 'Infinity' || received === 'NaN') return 'not a finite number (too large to be a count)';
    return `expected ${issue.expected}${received ? `, received ${received}` : ''}`;
  }
  return issue.message;
}
