import { readFileSync } from 'node:fs';
import { z } from '../../runtime/zod.js';
import { ConfigError } from '../../runtime/errors.js';
import { normaliseToken } from '../../runtime/token-text.js';
import { expandHome, warnIfShared } from '../../runtime/config.js';
import type { Secrets } from '../../runtime/secrets.js';
import { describeIssues } from '../../evalai/validate.js';

/**
 * The upstream config file of auto_scale_eks_nodes.py (JSON_PATH), keyed by challenge pk:
 *
 *   {"<pk>": {"auth_token": "<host token>", "scale_up_desired_size": 3,
 *             "aws_keys": {"AWS_ACCESS_KEY_ID": "...", "AWS_SECRET_ACCESS_KEY": "...", "AWS_REGION": "..."},
 *             "nodegroup_name": "<optional>", "max_size": 5}}
 *
 * read by the same rules (scale_up_desired_size defaults to 1; aws_keys default to EKS_AWS_*), plus
 * the optional nodegroup_name and max_size. The whole file is validated first: an unreadable file
 * or invalid JSON is a configuration error; a broken entry is reported with its key and skipped.
 */

export interface EksEntryAwsKeys {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
}

export interface EksConfigEntry {
  key: string;
  challengeId: number;
  authToken: string;
  /** Upstream's cap on a scale-up (default 1). */
  scaleUpDesiredSize: number;
  /** The nodegroup's maxSize; defaults to scaleUpDesiredSize. */
  maxSize?: number;
  nodegroupName?: string;
  awsKeys?: EksEntryAwsKeys;
}

export interface BrokenEntry {
  key: string;
  challengeId: number | null;
  problem: string;
}

export interface EksConfigFile {
  path: string;
  entries: EksConfigEntry[];
  broken: BrokenEntry[];
  warnings: string[];
}

export const DEFAULT_SCALE_UP_DESIRED_SIZE = 1;

const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v.trim()));

const awsKeysSchema = z
  .object({
    AWS_ACCESS_KEY_ID: optionalText,
    AWS_SECRET_ACCESS_KEY: optionalText,
    AWS_SESSION_TOKEN: optionalText,
    AWS_REGION: optionalText,
  })
  .refine((k) => Boolean(k.AWS_ACCESS_KEY_ID) === Boolean(k.AWS_SECRET_ACCESS_KEY), {
    message: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: give both or neither',
  });

const entrySchema = z
  .object({
    // As AUTH_TOKEN: surrounding whitespace, quotes and a "Bearer " are dropped; a token with
    // whitespace or control characters inside is this entry's error (the message never quotes it).
    auth_token: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .transform((v, ctx) => {
        try {
          return normaliseToken(v, 'the token');
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    scale_up_desired_size: z.number().int().min(1).optional(),
    max_size: z.number().int().min(1).optional(),
    nodegroup_name: z.string().trim().min(1, 'must not be empty').optional(),
    aws_keys: awsKeysSchema.optional(),
  })
  .refine((e) => e.max_size === undefined || e.max_size >= (e.scale_up_desired_size ?? DEFAULT_SCALE_UP_DESIRED_SIZE), {
    message: 'max_size must not be below scale_up_desired_size',
    path: ['max_size'],
  });

const KNOWN_FIELDS = new Set(['auth_token', 'scale_up_desired_size', 'max_size', 'nodegroup_name', 'aws_keys']);
const KNOWN_AWS_FIELDS = new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_ACCOUNT_ID', 'AWS_STORAGE_BUCKET_NAME']);
const SECRET_FIELDS = new Set(['auth_token', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);

/** Reads and validates the file. `~` is expanded. Throws ConfigError when the file itself is unusable. */
export function loadEksConfigFile(path: string, secrets: Secrets): EksConfigFile {
  const resolved = expandHome(path.trim());
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(`cannot read the EKS config file ${resolved} (${code})`);
  }
  const parsed = parseEksConfig(text, resolved, secrets);
  warnIfShared(resolved, 'the EKS config file (it holds host tokens and AWS keys)', parsed.warnings);
  return parsed;
}

/** Validates the text of a config file. Every secret in it is registered before anything is reported. */
export function parseEksConfig(text: string, path: string, secrets: Secrets): EksConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // JSON.parse's message may quote the text around the error, which may be a token.
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ConfigError(`the EKS config file ${path} is not valid JSON${position ? ` (error at character ${position})` : ''}`);
  }
  registerSecrets(raw, secrets);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`the EKS config file ${path} must hold a JSON object keyed by challenge id, e.g. {"12": {"auth_token": "..."}}`);
  }

  const entries: EksConfigEntry[] = [];
  const broken: BrokenEntry[] = [];
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const id = /^\s*\d+\s*$/.test(key) && Number(key) > 0 && Number.isSafeInteger(Number(key)) ? Number(key) : null;
    if (id === null) {
      broken.push({ key, challengeId: null, problem: `config entry "${key}": the key must be a challenge id (a whole number)` });
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      broken.push({ key, challengeId: id, problem: `config entry "${key}": expected an object with at least "auth_token"` });
      continue;
    }
    const result = entrySchema.safeParse(value);
    if (!result.success) {
      broken.push({ key, challengeId: id, problem: `config entry "${key}": ${describeIssues(result.error)}` });
      continue;
    }
    for (const field of Object.keys(value)) {
      if (!KNOWN_FIELDS.has(field)) warnings.push(`config entry "${key}": unknown field "${field}" ignored`);
    }
    const awsRaw = (value as { aws_keys?: unknown }).aws_keys;
    if (awsRaw && typeof awsRaw === 'object') {
      for (const field of Object.keys(awsRaw)) {
        if (!KNOWN_AWS_FIELDS.has(field)) warnings.push(`config entry "${key}": unknown field "aws_keys.${field}" ignored`);
      }
    }
    const e = result.data;
    const keys = e.aws_keys;
    entries.push({
      key,
      challengeId: id,
      authToken: e.auth_token,
      scaleUpDesiredSize: e.scale_up_desired_size ?? DEFAULT_SCALE_UP_DESIRED_SIZE,
      ...(e.max_size !== undefined ? { maxSize: e.max_size } : {}),
      ...(e.nodegroup_name ? { nodegroupName: e.nodegroup_name } : {}),
      ...(keys && (keys.AWS_ACCESS_KEY_ID || keys.AWS_REGION)
        ? {
            awsKeys: {
              accessKeyId: keys.AWS_ACCESS_KEY_ID,
              secretAccessKey: keys.AWS_SECRET_ACCESS_KEY,
              sessionToken: keys.AWS_SESSION_TOKEN,
              region: keys.AWS_REGION,
            },
          }
        : {}),
    });
  }
  // " 12" and "12" are different JSON keys but the same challenge: the first one wins.
  const seen = new Map<number, string>();
  const unique: EksConfigEntry[] = [];
  for (const e of entries) {
    const first = seen.get(e.challengeId);
    if (first !== undefined) {
      broken.push({ key: e.key, challengeId: e.challengeId, problem: `config entry "${e.key}": challenge ${e.challengeId} already has entry "${first}"` });
      continue;
    }
    seen.set(e.challengeId, e.key);
    unique.push(e);
  }
  return { path, entries: unique, broken, warnings };
}

/** Every string under a secret-bearing key, anywhere in the file, valid entry or not. */
function registerSecrets(value: unknown, secrets: Secrets, key?: string): void {
  if (typeof value === 'string') {
    if (key !== undefined && SECRET_FIELDS.has(key)) {
      secrets.add(value);
      // The token as it is sent ("Bearer " and quotes dropped), and each word of a broken one.
      for (const word of value.replace(/["']/g, ' ').split(/\s+/)) if (!/^(bearer|token|jwt)$/i.test(word)) secrets.add(word);
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) registerSecrets(v, secrets, key);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) registerSecrets(v, secrets, k);
  }
}
