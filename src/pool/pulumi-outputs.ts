import { z } from '../runtime/zod.js';
import { parseDuration } from '../runtime/duration.js';

/**
 * `fromPulumi` in a pool (seed 002's --stack dev): pool-file fields filled from a Pulumi stack's
 * outputs, as `pulumi stack output --json` prints them. Keys are a field's path in the pool, values
 * the output's name:
 *
 *   "fromPulumi": {"stack": "dev", "cwd": "/srv/infra",
 *                  "outputs": {"backend.launch.imageId": "ami_id", "demand.queueUrl": "queue_url"}}
 *
 * The CLI call is pulumi-stack.ts; this file is the pure part: the block's schema, which fields may
 * be filled, and the filling of the file's JSON before it is validated like any other.
 */

const text = z.string().trim().min(1, 'must not be empty');

export const PULUMI_DEFAULT_TIMEOUT_MS = 60_000;

export const fromPulumiSchema = z.strictObject({
  /** The stack, as `pulumi stack output --stack` takes it ("dev", or "org/project/dev"). */
  stack: text,
  /** The Pulumi project's directory (pulumi --cwd); default: the scaler's working directory. */
  cwd: text.optional(),
  /** The pulumi executable (default "pulumi" on PATH). */
  command: text.default('pulumi'),
  /** The call is killed (its process group too) after this. */
  timeout: z
    .union([z.string(), z.number().positive()])
    .transform((v, ctx) => {
      const ms = typeof v === 'number' ? Math.round(v * 1000) : parseDuration(v);
      if (ms === null || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a duration above zero (e.g. "30s", "2m", or seconds)` });
        return z.NEVER;
      }
      return ms;
    })
    .default(PULUMI_DEFAULT_TIMEOUT_MS),
  outputs: z.record(z.string(), text).refine((o) => Object.keys(o).length > 0, 'must map at least one field to an output'),
});

export type FromPulumiConfig = z.output<typeof fromPulumiSchema>;

/** What was read, kept for `status`: each field, its output and the value put in it. */
export interface PulumiValues {
  stack: string;
  values: Array<{ field: string; output: string; value: string | string[] }>;
}

/** The fields a stack output may fill; `list` fields take a string (one item) or a list of strings. */
export const PULUMI_FIELDS: ReadonlyArray<{ pattern: RegExp; example: string; list: boolean }> = [
  { pattern: /^backend\.region$/, example: 'backend.region', list: false },
  { pattern: /^backend\.launch\.(imageId|instanceProfile|keyName)$/, example: 'backend.launch.imageId|instanceProfile|keyName', list: false },
  { pattern: /^backend\.launch\.(subnetIds|securityGroupIds)$/, example: 'backend.launch.subnetIds|securityGroupIds', list: true },
  { pattern: /^backend\.launchTemplate\.(id|name)$/, example: 'backend.launchTemplate.id|name', list: false },
  { pattern: /^backend\.coordination\.bucket$/, example: 'backend.coordination.bucket', list: false },
  { pattern: /^demand\.(queueUrl|region)$/, example: 'demand.queueUrl|region', list: false },
  { pattern: /^shapes\.[a-z0-9][a-z0-9_-]*\.demand\.(queueUrl|region)$/, example: 'shapes.<name>.demand.queueUrl|region', list: false },
  { pattern: /^shapes\.[a-z0-9][a-z0-9_-]*\.imageId$/, example: 'shapes.<name>.imageId', list: false },
];

/** How `pulumi stack output --json` shows a secret output without --show-secrets (never passed). */
export const PULUMI_SECRET = '[secret]';

export class FillError extends Error {
  /** The field path relative to the pool's fromPulumi block ("outputs.demand.queueUrl"), or "" for the block. */
  constructor(
    readonly at: string,
    message: string,
  ) {
    super(message);
  }
}

/** The mapped fields that Pulumi cannot fill, as FillErrors (checked before the CLI is run). */
export function checkFields(config: FromPulumiConfig): void {
  for (const field of Object.keys(config.outputs)) {
    if (!PULUMI_FIELDS.some((f) => f.pattern.test(field))) {
      throw new FillError(`outputs.${field}`, `not a field Pulumi can fill (${PULUMI_FIELDS.map((f) => f.example).join(', ')})`);
    }
  }
}

/**
 * Puts the mapped outputs into one pool's JSON (changed in place) and returns what was put. A
 * missing output, a secret, a value of the wrong type, a field the file sets itself, or a shape the
 * pool does not have is a FillError; a secret's value is never part of a message.
 */
export function fillPool(pool: Record<string, unknown>, config: FromPulumiConfig, outputs: Record<string, unknown>): PulumiValues {
  const values: PulumiValues['values'] = [];
  const stack = JSON.stringify(config.stack);
  for (const [field, output] of Object.entries(config.outputs)) {
    const at = `outputs.${field}`;
    const kind = PULUMI_FIELDS.find((f) => f.pattern.test(field))!;
    if (!Object.hasOwn(outputs, output)) {
      throw new FillError(at, `stack ${stack} has no output ${JSON.stringify(output)} (its outputs: ${Object.keys(outputs).sort().join(', ') || 'none'})`);
    }
    const raw = outputs[output];
    const isSecret = (v: unknown): boolean => v === PULUMI_SECRET;
    if (isSecret(raw) || (Array.isArray(raw) && raw.some(isSecret))) {
      throw new FillError(at, `output ${JSON.stringify(output)} of stack ${stack} is a secret (shown as "${PULUMI_SECRET}"): map a plain output; secrets are never read (no --show-secrets)`);
    }
    let value: string | string[];
    if (typeof raw === 'string' && raw.trim() !== '') value = kind.list ? [raw] : raw;
    else if (kind.list && Array.isArray(raw) && raw.length > 0 && raw.every((v) => typeof v === 'string' && v.trim() !== '')) value = raw as string[];
    else throw new FillError(at, `output ${JSON.stringify(output)} of stack ${stack} is not ${kind.list ? 'a string or a list of strings' : 'a string'} (it is ${describeValue(raw)})`);
    const parts = field.split('.');
    let node: Record<string, unknown> = pool;
    for (const [i, key] of parts.slice(0, -1).entries()) {
      // Own keys only: a path never walks into an object's prototype.
      const next = Object.hasOwn(node, key) ? node[key] : undefined;
      if (next === undefined || next === null) {
        if (parts[0] === 'shapes' && i <= 1) throw new FillError(at, `the pool has no shape ${JSON.stringify(parts[1])}`);
        node[key] = {};
      } else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new FillError(at, `${parts.slice(0, i + 1).join('.')} in the file is not an object`);
      }
      node = node[key] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1]!;
    if (Object.hasOwn(node, last) && node[last] !== undefined) throw new FillError(at, `also set in the file (${field}): give it in one place`);
    node[last] = value;
    values.push({ field, output, value });
  }
  return { stack: config.stack, values };
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'string') return 'an empty string';
  return `a ${typeof v}`;
}
