import { readFileSync } from 'node:fs';
import { z } from '../runtime/zod.js';
import { describeIssues } from '../evalai/validate.js';
import { ConfigError, describeError } from '../runtime/errors.js';
import { parseDuration } from '../runtime/duration.js';
import { defaultMaxLiveHosts, HEADROOMS, POLICY_DEFAULTS, type PoolPolicy } from './policy.js';
import { PROBE_CONCURRENCY, PROBE_MAX_BYTES } from './probe.js';
import { isForecastStat, type ForecastStat } from './forecast-stat.js';
import { fromPulumiSchema, type PulumiValues } from './pulumi-outputs.js';
import { shapeIssues, shapesSchema, type ShapeConfig as AnyShapeConfig } from './shapes.js';

/**
 * The pool file: JSON, one or more pools, validated whole before anything runs. An error names the
 * file and the field path (`pool.json: field pools[0].policy.maxHosts: missing`).
 *
 *   {"pools": [{"name": "trainers",
 *               "demand": {"type": "sqs", "queueUrl": "https://sqs.us-east-1.amazonaws.com/1234/jobs"},
 *               "backend": {"type": "ec2", "region": "us-east-1", "launchTemplate": {"name": "trainer"},
 *                           "instanceTypes": ["c5.large", "c5.xlarge"]},
 *               "policy": {"minHosts": 1, "maxHosts": 5},
 *               "probe": {"url": "http://{privateIp}:8080/status"}}]}
 *
 * Durations are "10m", "12h", "90s", or a number of seconds.
 */

const duration = z.union([z.string(), z.number().nonnegative()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? Math.round(v * 1000) : parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a duration (e.g. "90s", "10m", "12h", or seconds)` });
    return z.NEVER;
  }
  return ms;
});

/**
 * A time-out or a period that must pass: 0 would fail every call at once (a command, a probe, the
 * Ray dashboard) or end every launch and every unhealthy host at once.
 */
const positiveDuration = duration.refine((ms) => ms > 0, 'must be above zero');

const text = z.string().trim().min(1, 'must not be empty');
const count = z.number().int('must be a whole number').nonnegative('must not be negative');

/** A pool name is an EC2 tag value and a file-name part: keep it plain. */
const poolName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit');

const sqsDemand = z.strictObject({
  type: z.literal('sqs'),
  queueUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) SQS queue URL' }),
  region: text.optional(),
  /** Count ApproximateNumberOfMessagesNotVisible (jobs in flight) in n. Default true. */
  countInFlight: z.boolean().default(true),
});

/**
 * Pending submissions (EvalAI's calculator) over some challenges: their ids, or "all" current
 * challenges, optionally only those with `flag` set. Needs API_HOST_URL and a staff AUTH_TOKEN.
 */
export const EVALAI_CHALLENGE_FLAGS = ['isDockerBased', 'usesEc2Worker', 'remoteEvaluation'] as const;
const evalaiDemand = z
  .strictObject({
    type: z.literal('evalai'),
    challenges: z.union([z.array(z.number().int().positive()).min(1, 'must name at least one challenge'), z.literal('all')]),
    flag: z.enum(EVALAI_CHALLENGE_FLAGS).optional(),
  })
  .refine((d) => d.flag === undefined || d.challenges === 'all', { message: 'a flag picks among "all" challenges: give either ids or "all" with a flag', path: ['flag'] });

/** The Ray dashboard's state API (seed 004): n = tasks in PENDING_NODE_ASSIGNMENT. */
const rayDemand = z.strictObject({
  type: z.literal('ray'),
  dashboard: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of the Ray dashboard' }).default('http://127.0.0.1:8265'),
  /** Per HTTP request to the dashboard. */
  timeout: positiveDuration.default(10_000),
  /** Rows asked for per list call (Ray refuses more than RAY_MAX_LIMIT_FROM_API_SERVER, 10,000 by default). */
  limit: count.min(1, 'must be at least 1').max(10_000, 'must be at most 10000 (Ray\'s default RAY_MAX_LIMIT_FROM_API_SERVER)').default(10_000),
  /** Count the tasks already running in n too (default: only the pending ones, as seed 004). */
  countRunning: z.boolean().default(false),
});

/** SLURM's --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
const wallTime = z
  .string()
  .regex(/^(\d+-\d{1,2}(:\d{2}){0,2}|\d+(:\d{2}){0,2})$/, 'must be a SLURM time limit ("90", "01:30:00", "1-00:00:00")');

const workerType = z.strictObject({
  name: poolName,
  /** Ray --num-cpus and sbatch --cpus-per-task. */
  cpus: z.number().int().min(1, 'must be at least 1'),
  /** Ray --num-gpus and sbatch --gpus (unless `gres` is given). */
  gpus: count.default(0),
  /** sbatch --mem, e.g. "32G". */
  memory: text.optional(),
  /** sbatch --gres instead of --gpus, e.g. "gpu:a100:1". */
  gres: text.optional(),
  /** Overrides the backend's partition for this type. */
  partition: text.optional(),
  /** More sbatch options, each one argument ("--constraint=skylake"). */
  sbatchArgs: z.array(text).default([]),
  /** Ray custom resources of the worker (ray start --resources), e.g. {"TPU": 4}; used to pack demand by shape. */
  resources: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_:.-]*$/, 'must be a Ray resource name'), z.number().nonnegative('must not be negative'))
    .refine((r) => !('CPU' in r || 'GPU' in r || 'memory' in r), 'CPU, GPU and memory come from cpus, gpus and memory')
    .default({}),
  /** At most this many workers of this type (default: the pool's maxHosts). */
  maxWorkers: count.min(1, 'must be at least 1').optional(),
});

/** sbatch --mem's size in bytes ("32G", "512M", "1.5T"; a bare number is MB); null when it is not one. 0 (all of a node) is null. */
export function memoryBytes(mem: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])?B?$/i.exec(mem.trim());
  if (!m) return null;
  const unit = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[(m[2] ?? 'M').toUpperCase() as 'K' | 'M' | 'G' | 'T'];
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 ? bytes : null;
}

/** Placeholders a job script may use; anything else in braces is an error. */
export const JOB_SCRIPT_PLACEHOLDERS = ['pool', 'type', 'headAddress', 'cpus', 'gpus', 'nodeName', 'setup', 'rayStart'] as const;

export const DEFAULT_JOB_SCRIPT = ['#!/bin/bash', 'set -euo pipefail', '{setup}', 'exec {rayStart}', ''].join('\n');

const commandPaths = z.strictObject({
  sbatch: text.default('sbatch'),
  squeue: text.default('squeue'),
  scancel: text.default('scancel'),
  /** Asked whether a job squeue no longer lists has ended; a site without it is fine. */
  sacct: text.default('sacct'),
});

const slurmBackend = z
  .strictObject({
    type: z.literal('slurm'),
    /** The Ray head the workers join: host:port of the GCS (ray start --address). */
    headAddress: text,
    partition: text.optional(),
    account: text.optional(),
    /** sbatch --time for every worker job. */
    wallTime,
    /** A job this close to its wall time is replaced ahead of time (marked unhealthy, so a new one is counted for). */
    replaceBefore: duration.default(5 * 60_000),
    /**
     * One type: every launch is of it (the plain count). Several: the pending demand is packed by
     * resource shape onto them, as Ray's autoscaler does (ray-bin-pack.ts).
     */
    workerTypes: z.array(workerType).min(1, 'must name at least one worker type'),
    /** Shell lines run before Ray starts (module load, conda activate). */
    setup: z.string().default(''),
    /** The job script; see JOB_SCRIPT_PLACEHOLDERS. The default runs {setup} then exec {rayStart}. */
    jobScript: z.string().default(DEFAULT_JOB_SCRIPT),
    /** The `ray` executable on the compute nodes. */
    ray: text.default('ray'),
    /** sbatch --output; %j is the job id. */
    output: text.optional(),
    commands: commandPaths.default({ sbatch: 'sbatch', squeue: 'squeue', scancel: 'scancel', sacct: 'sacct' }),
    /** Each sbatch/squeue/scancel call is killed after this. */
    commandTimeout: positiveDuration.default(30_000),
    /** squeue --json (Slurm 21.08+) or a fixed --format; auto tries --json and falls back. */
    squeueOutput: z.enum(['auto', 'json', 'format']).default('auto'),
    /** The SLURM user whose jobs are listed (default: the user running the scaler). */
    user: text.optional(),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.workerTypes.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['workerTypes', i, 'name'], message: `worker type ${JSON.stringify(t.name)} is named twice` });
      seen.add(t.name);
      // Read only to pack demand by shape, which needs several types.
      if (b.workerTypes.length > 1 && t.memory !== undefined && memoryBytes(t.memory) === null && !/^0+\s*[KMGT]?B?$/i.test(t.memory.trim())) {
        ctx.addIssue({ code: 'custom', path: ['workerTypes', i, 'memory'], message: `${JSON.stringify(t.memory)} is not a SLURM memory size (a number of MB, or with K, M, G or T: "32G")` });
      }
    });
    for (const m of b.jobScript.matchAll(/\{([A-Za-z]+)\}/g)) {
      if (!(JOB_SCRIPT_PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
        ctx.addIssue({ code: 'custom', path: ['jobScript'], message: `unknown placeholder {${m[1]}} (known: ${JOB_SCRIPT_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})` });
      }
    }
    if (!b.jobScript.includes('{rayStart}') && !b.jobScript.includes('{nodeName}')) {
      ctx.addIssue({ code: 'custom', path: ['jobScript'], message: 'must use {rayStart} or {nodeName}: the Ray node must be named after its job to be recognised' });
    }
    if (!b.jobScript.startsWith('#!')) ctx.addIssue({ code: 'custom', path: ['jobScript'], message: 'must start with a #! line (sbatch requires one)' });
  });

/**
 * EC2's documented limits (EC2 User Guide, "Tag your Amazon EC2 resources" and "Work with
 * instance user data"): 50 tags per resource, keys 1-128 characters, values up to 256, the aws:
 * prefix reserved (any case); user data at most 16 KB in raw form, before base64. A pool file
 * beyond them would fail every launch at EC2, so it is refused when read.
 */
export const EC2_MAX_TAGS = 50;
export const TAG_KEY_MAX = 128;
export const TAG_VALUE_MAX = 256;
export const USER_DATA_MAX_BYTES = 16 * 1024;
/** The tags the tool puts on every instance besides the file's (Name is counted when the file has none). */
export const TOOL_TAG_KEYS = ['evalai-autoscaler:pool', 'evalai-autoscaler:state', 'evalai-autoscaler:state-since', 'evalai-autoscaler:scheduler'] as const;
/** Room kept for tags the tool may add later, so that a file valid today stays valid. */
export const RESERVED_TOOL_TAGS = 1;

const launchTemplate = z
  .strictObject({ id: text.optional(), name: text.optional(), version: text.default('$Default') })
  .refine((t) => (t.id === undefined) !== (t.name === undefined), { message: 'give exactly one of id and name' });

const explicitLaunch = z.strictObject({
  imageId: text,
  subnetIds: z.array(text).min(1, 'must name at least one subnet'),
  securityGroupIds: z.array(text).default([]),
  instanceProfile: text.optional(),
  keyName: text.optional(),
  /** Base64 is done here: give the script as plain text. */
  userData: z
    .string()
    .superRefine((u, ctx) => {
      const bytes = Buffer.byteLength(u, 'utf8');
      if (bytes > USER_DATA_MAX_BYTES) ctx.addIssue({ code: 'custom', message: `${bytes} bytes: EC2 takes at most 16 KB (${USER_DATA_MAX_BYTES} bytes) of user data, counted before base64 encoding (EC2 User Guide, "Work with instance user data")` });
    })
    .optional(),
});

/** The launch ledger of schedulers sharing a pool; key defaults to evalai-autoscaler/<pool>.json. */
const s3Coordination = z.strictObject({
  type: z.literal('s3'),
  bucket: text,
  key: text.optional(),
  region: text.optional(),
});

const ec2Backend = z
  .strictObject({
    type: z.literal('ec2'),
    region: text.optional(),
    launchTemplate: launchTemplate.optional(),
    launch: explicitLaunch.optional(),
    /** In order of preference; with spot, re-ordered by current spot price. */
    instanceTypes: z.array(text).default([]),
    market: z.enum(['spot', 'on-demand']).default('spot'),
    /**
     * How a launch picks among instance types x subnets: `price-capacity-optimized` sends one
     * CreateFleet (type instant) over every offer and lets EC2 weigh price and capacity depth;
     * `lowest-price-order` sends one RunInstances per offer, spot types cheapest first. Unset: the
     * fleet, falling back to RunInstances (with a warning) when IAM refuses CreateFleet or
     * CreateLaunchTemplate (pool/backends/fleet-refusal.ts).
     */
    allocation: z.enum(['lowest-price-order', 'price-capacity-optimized']).optional(),
    /** Fall back to on-demand when no spot type has capacity. Default true. */
    onDemandFallback: z.boolean().default(true),
    /** The longest an offer (market x type x subnet) that hit capacity errors is avoided: 1 min at first, doubling up to this. */
    capacityBackoff: duration.default(15 * 60_000),
    /** Extra tags on every instance and volume (the pool and state tags cannot be overridden). */
    tags: z.record(z.string(), z.string()).default({}),
    /** Several schedulers on one pool: the launch ledger in an S3 object written by conditional PUT. */
    coordination: s3Coordination.optional(),
    /** An SQS queue fed by EventBridge with spot interruption, rebalance, state-change and scheduled-change events: read each tick. */
    interruptionQueue: z.url({ protocol: /^https?$/, error: 'must be an http(s) SQS queue URL' }).optional(),
  })
  .superRefine((b, ctx) => {
    if (!b.launchTemplate === !b.launch) ctx.addIssue({ code: 'custom', message: 'give exactly one of launchTemplate and launch' });
    for (const [key, value] of Object.entries(b.tags)) {
      const chars = (t: string): number => [...t].length;
      if (key === '') ctx.addIssue({ code: 'custom', path: ['tags'], message: 'a tag key must not be empty' });
      else if (key.startsWith('evalai-autoscaler:')) ctx.addIssue({ code: 'custom', path: ['tags', key], message: 'the evalai-autoscaler: tags are the pool\'s own' });
      else if (key.toLowerCase().startsWith('aws:')) ctx.addIssue({ code: 'custom', path: ['tags', key], message: 'the aws: prefix is reserved for AWS (in any case): EC2 refuses it' });
      else if (chars(key) > TAG_KEY_MAX) ctx.addIssue({ code: 'custom', path: ['tags', key], message: `the key is ${chars(key)} characters: EC2 takes at most ${TAG_KEY_MAX}` });
      if (chars(value) > TAG_VALUE_MAX) ctx.addIssue({ code: 'custom', path: ['tags', key], message: `the value is ${chars(value)} characters: EC2 takes at most ${TAG_VALUE_MAX}` });
    }
    const mine = Object.keys(b.tags).length;
    const addsName = b.tags.Name === undefined;
    const own = TOOL_TAG_KEYS.length + RESERVED_TOOL_TAGS + (addsName ? 1 : 0);
    if (mine + own > EC2_MAX_TAGS) {
      const names = [...(addsName ? ['Name'] : []), ...TOOL_TAG_KEYS, `and ${RESERVED_TOOL_TAGS} reserved for its future tags`].join(', ');
      ctx.addIssue({
        code: 'custom',
        path: ['tags'],
        message: `${mine} tags here + ${own} of the tool's own (${names}) = ${mine + own}, above EC2's limit of ${EC2_MAX_TAGS} tags per instance: at most ${EC2_MAX_TAGS - own} here`,
      });
    }
  });

const policy = z
  .strictObject({
    minHosts: count,
    maxHosts: count.min(1, 'must be at least 1'),
    jobsPerHost: z
      .number()
      .superRefine((n, ctx) => {
        if (!Number.isInteger(n)) ctx.addIssue({ code: 'custom', message: `must be a whole number (${n} is not)` });
        else if (n < 1) ctx.addIssue({ code: 'custom', message: 'must be at least 1' });
      })
      .default(POLICY_DEFAULTS.jobsPerHost),
    maxLaunchesPerTick: count.min(1, 'must be at least 1').default(POLICY_DEFAULTS.maxLaunchesPerTick),
    launchTimeout: positiveDuration.optional(),
    unhealthyTimeout: positiveDuration.optional(),
    /** 0: no minimum age before a drain. */
    minUptime: duration.optional(),
    /** 0: drain as soon as desired is below the count. */
    scaleDownDelay: duration.optional(),
    /** The hard cap on live instances plus launches not yet listed (default maxHosts + ceil(maxHosts / 2)). */
    maxLiveHosts: count.min(1, 'must be at least 1').optional(),
    /** Forecast-only mode: keep a demand history in the state dir and log what the anticipatory policy would launch. */
    forecast: z
      .strictObject({
        days: z.number().int('must be a whole number of days').min(1, 'must be 1 to 28').max(28, 'must be 1 to 28').default(14),
        lead: duration.default(180_000),
        /** How the days' demand is combined: "max", "mean" or "pNN" (default "p25", tuned in docs/simulate.md). */
        stat: z.string().refine(isForecastStat, 'must be "max", "mean" or a percentile "p1" to "p100"').default('p25'),
      })
      .optional(),
    /** Spare job slots above n: "2sqrt" (n + 2√n, the default), "sqrt", "none", or a whole number. */
    headroom: z.union([z.enum(HEADROOMS), z.number().int('must be "2sqrt", "sqrt", "none" or a whole number').min(0, 'must be 0 or more')], { error: 'must be "2sqrt", "sqrt", "none" or a whole number' }).optional(),
  })
  .refine((p) => p.minHosts <= p.maxHosts, { message: 'minHosts must not be above maxHosts', path: ['minHosts'] })
  .refine((p) => p.maxLiveHosts === undefined || p.maxLiveHosts >= p.maxHosts, { message: 'maxLiveHosts must not be below maxHosts (it caps live hosts in every state, maxHosts only ready + launching)', path: ['maxLiveHosts'] });

const probe = z.strictObject({
  url: z
    .string()
    .refine((u) => u.includes('{privateIp}') || u.includes('{publicIp}') || u.includes('{instanceId}'), 'must contain {privateIp}, {publicIp} or {instanceId}')
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  timeout: positiveDuration.default(3_000),
  /** The largest probe answer read (bytes, after decompression): a host answering more is a failed probe. */
  maxBytes: z.number().int('must be a whole number of bytes').min(64, 'must be at least 64 bytes').max(16 * 1024 * 1024, 'must be at most 16 MiB (16777216)').default(PROBE_MAX_BYTES),
  /** Probes in flight at once (each an open socket), at the look and for the re-checks before terminates. */
  concurrency: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1024, 'must be at most 1024').default(PROBE_CONCURRENCY),
});

const demandSchema = z.discriminatedUnion('type', [sqsDemand, evalaiDemand, rayDemand]);

const poolSchema = z
  .strictObject({
    name: poolName,
    /** Absent only when the pool is split by shape (src/pool/shapes.ts): then each shape has its own. */
    demand: demandSchema.optional(),
    backend: z.discriminatedUnion('type', [ec2Backend, slurmBackend]),
    policy,
    probe: probe.optional(),
    shapes: shapesSchema(demandSchema, launchTemplate).optional(),
    /** Fields filled from a Pulumi stack's outputs before validation (pulumi-stack.ts). */
    fromPulumi: fromPulumiSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.shapes) {
      for (const issue of shapeIssues({ ...p, shapes: p.shapes as Record<string, ShapeConfig> })) ctx.addIssue({ code: 'custom', ...issue });
      return;
    }
    if (!p.demand) return void ctx.addIssue({ code: 'custom', path: ['demand'], message: 'missing' });
    if ((p.backend.type === 'slurm') !== (p.demand.type === 'ray')) {
      ctx.addIssue({ code: 'custom', path: ['demand', 'type'], message: 'a slurm backend goes with a ray demand, and a ray demand with a slurm backend (the Ray dashboard tells which jobs joined)' });
    }
    if (p.backend.type === 'ec2' && p.backend.launch && p.backend.instanceTypes.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['backend', 'instanceTypes'], message: 'must name at least one instance type without a launch template' });
    }
  });

const fileSchema = z
  .strictObject({ pools: z.array(poolSchema).min(1, 'must hold at least one pool') })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.pools.forEach((p, i) => {
      // A shaped pool's pools are named pool.shape: those names must be free too.
      for (const name of [p.name, ...Object.keys(p.shapes ?? {}).map((s) => `${p.name}.${s}`)]) {
        if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['pools', i, 'name'], message: `pool name ${JSON.stringify(name)} is used twice` });
        seen.add(name);
      }
    });
  });

type ParsedPool = z.output<typeof poolSchema>;
export type SqsDemandConfig = z.output<typeof sqsDemand>;
export type EvalaiDemandConfig = z.output<typeof evalaiDemand>;
export type RayDemandConfig = z.output<typeof rayDemand>;
export type Ec2BackendConfig = z.output<typeof ec2Backend>;
export type SlurmBackendConfig = z.output<typeof slurmBackend>;
export type SlurmWorkerType = z.output<typeof workerType>;
export type ProbeConfig = { url: string; timeoutMs: number; maxBytes: number; concurrency: number };

export interface PoolConfig {
  name: string;
  /** A shape of a pool split by shape (src/pool/shapes.ts): name is `<pool>.<shape>`. */
  shape?: { pool: string; name: string };
  demand: NonNullable<ParsedPool['demand']>;
  /** The fields read from a Pulumi stack (`fromPulumi`), for `status`. */
  fromPulumi?: PulumiValues;
  backend: Ec2BackendConfig | SlurmBackendConfig;
  policy: PoolPolicy;
  probe?: ProbeConfig;
}

export interface PoolFile {
  path: string;
  pools: PoolConfig[];
}

/**
 * Parses and validates a pool file's text. Throws a ConfigError naming `path` and the field. A pool
 * with `fromPulumi` needs its stack read first: loadPoolFileWithStacks (pulumi-stack.ts).
 */
export function parsePoolFile(content: string, path: string): PoolFile {
  return validatePoolJson(readPoolJson(content, path), path);
}

export function readPoolJson(content: string, path: string): unknown {
  try {
    return JSON.parse(content);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${describeError(err)}`);
  }
}

/** Validates a pool file's JSON; `stacks`: what was read from Pulumi for the pools (by index) that have `fromPulumi`. */
export function validatePoolJson(json: unknown, path: string, stacks: ReadonlyMap<number, PulumiValues> = new Map()): PoolFile {
  const result = fileSchema.safeParse(json);
  if (!result.success) throw new ConfigError(`${path}: ${describeIssues(result.error)}`);
  const unread = result.data.pools.findIndex((p, i) => p.fromPulumi !== undefined && !stacks.has(i));
  if (unread >= 0) throw new ConfigError(`${path}: field pools[${unread}].fromPulumi: this command does not read Pulumi stacks`);
  return {
    path,
    pools: result.data.pools.flatMap((p, i) => {
      const read = stacks.get(i);
      return toPoolConfigs(p).map((c) => (read ? { ...c, fromPulumi: read } : c));
    }),
  };
}

export function readPoolText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new ConfigError(`${path}: cannot read the pool file${code === 'ENOENT' ? ': no such file' : `: ${describeError(err)}`}`);
  }
}

export function loadPoolFile(path: string): PoolFile {
  return parsePoolFile(readPoolText(path), path);
}

/** The pools `--pool NAME` picks (all when no name is given); an unknown name is a ConfigError. */
export function selectPools(file: PoolFile, name?: string): PoolConfig[] {
  if (name === undefined) return file.pools;
  // A pool split by shape is picked whole by its own name.
  const shapes = file.pools.filter((p) => p.shape?.pool === name);
  if (shapes.length > 0) return shapes;
  const pool = file.pools.find((p) => p.name === name);
  if (!pool) throw new ConfigError(`${file.path}: no pool named ${JSON.stringify(name)} (pools: ${file.pools.map((p) => p.name).join(', ')})`);
  return [pool];
}

function toPoolConfigs(p: ParsedPool): PoolConfig[] {
  const { demand, shapes, fromPulumi: _fromPulumi, ...rest } = p;
  if (shapes) return expandShapes(toPoolConfig(rest), shapes as Record<string, ShapeConfig>);
  return [{ ...toPoolConfig(rest), demand: demand! }];
}

function toPoolConfig(p: Omit<ParsedPool, 'demand' | 'shapes' | 'fromPulumi'>): Omit<PoolConfig, 'demand'> {
  const out: Omit<PoolConfig, 'demand'> = {
    name: p.name,
    backend: p.backend,
    policy: {
      minHosts: p.policy.minHosts,
      maxHosts: p.policy.maxHosts,
      jobsPerHost: p.policy.jobsPerHost,
      maxLaunchesPerTick: p.policy.maxLaunchesPerTick,
      launchTimeoutMs: p.policy.launchTimeout ?? POLICY_DEFAULTS.launchTimeoutMs,
      unhealthyTimeoutMs: p.policy.unhealthyTimeout ?? POLICY_DEFAULTS.unhealthyTimeoutMs,
      minUptimeMs: p.policy.minUptime ?? POLICY_DEFAULTS.minUptimeMs,
      scaleDownDelayMs: p.policy.scaleDownDelay ?? POLICY_DEFAULTS.scaleDownDelayMs,
      maxLiveHosts: p.policy.maxLiveHosts ?? defaultMaxLiveHosts(p.policy.maxHosts),
      ...(p.policy.headroom !== undefined ? { headroom: p.policy.headroom } : {}),
      ...(p.policy.forecast ? { forecast: { days: p.policy.forecast.days, leadMs: p.policy.forecast.lead, stat: p.policy.forecast.stat as ForecastStat } } : {}),
    },
  };
  if (p.probe) out.probe = { url: p.probe.url, timeoutMs: p.probe.timeout, maxBytes: p.probe.maxBytes, concurrency: p.probe.concurrency };
  return out;
}

/** A shape of a pool split by shape (shapes.ts), with this file's demand and launch-template types. */
export type ShapeConfig = AnyShapeConfig<PoolConfig['demand'], Ec2BackendConfig['launchTemplate']>;

/** One pool per shape: the pool's settings, the shape's demand, types, image or template and caps. */
function expandShapes(base: Omit<PoolConfig, 'demand'>, shapes: Record<string, ShapeConfig>): PoolConfig[] {
  return Object.entries(shapes).map(([name, sh]) => {
    const backend = base.backend as Ec2BackendConfig;
    const shapedBackend: Ec2BackendConfig = {
      ...backend,
      instanceTypes: [...sh.instanceTypes],
      ...(backend.launch && sh.imageId !== undefined ? { launch: { ...backend.launch, imageId: sh.imageId } } : {}),
      ...(sh.launchTemplate !== undefined ? { launchTemplate: sh.launchTemplate } : {}),
    };
    const p = sh.policy;
    return {
      ...base,
      name: `${base.name}.${name}`,
      shape: { pool: base.name, name },
      demand: sh.demand,
      backend: shapedBackend,
      policy: {
        ...base.policy,
        minHosts: p.minHosts,
        maxHosts: p.maxHosts,
        maxLiveHosts: p.maxLiveHosts ?? defaultMaxLiveHosts(p.maxHosts),
        ...(p.jobsPerHost !== undefined ? { jobsPerHost: p.jobsPerHost } : {}),
        ...(p.maxLaunchesPerTick !== undefined ? { maxLaunchesPerTick: p.maxLaunchesPerTick } : {}),
        ...(p.headroom !== undefined ? { headroom: p.headroom } : {}),
      },
    };
  });
}
