import { z } from '../runtime/zod.js';
import { HEADROOMS } from './policy.js';

/**
 * A pool split by the shape of its work (seed 002's --cpu-instances / --gpu-instances): each shape
 * has its own queue, instance types and caps, and is run as a pool of its own named `pool.shape`
 * (`trainers.gpu`): its own n + 2√n decision, its own hosts (listed by their pool tag, which
 * carries the shape's name), its own launch ledger and state file. So a GPU host is only ever
 * launched by the GPU shape, for the GPU queue's backlog.
 *
 *   "shapes": {"cpu": {"demand": {"type": "sqs", "queueUrl": ".../train-cpu"}, "instanceTypes": ["c5.large"],
 *                      "policy": {"maxHosts": 10}},
 *              "gpu": {"demand": {"type": "sqs", "queueUrl": ".../train-gpu"}, "instanceTypes": ["g4dn.xlarge"],
 *                      "imageId": "ami-0gpu", "policy": {"maxHosts": 2}}}
 *
 * The pool's own policy is every shape's default (durations, jobsPerHost, headroom...); minHosts
 * and maxHosts are the shape's (minHosts 0 unless given). The pool's maxHosts is the pool-wide
 * cap: the shapes' maxHosts must add up to at most it, so the pool can never exceed it whatever
 * each shape does.
 *
 * Split by an SQS message attribute instead of a queue per shape is not offered: SQS gives
 * counts per queue only; counting messages by attribute needs ReceiveMessage, which hides each
 * message it returns from the workers for the visibility timeout.
 */

/** A shape's name is the last part of its pool's name. */
const shapeName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,19}$/, 'a shape name must be 1-20 lower-case letters, digits, "_" or "-", starting with a letter or digit');

const count = z.number().int('must be a whole number').nonnegative('must not be negative');

/** What a shape may set of the pool's policy. */
const shapePolicy = z
  .strictObject({
    minHosts: count.default(0),
    maxHosts: count.min(1, 'must be at least 1'),
    jobsPerHost: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
    maxLaunchesPerTick: count.min(1, 'must be at least 1').optional(),
    maxLiveHosts: count.min(1, 'must be at least 1').optional(),
    headroom: z.union([z.enum(HEADROOMS), z.number().int().min(0, 'must be 0 or more')], { error: 'must be "2sqrt", "sqrt", "none" or a whole number' }).optional(),
  })
  .refine((p) => p.minHosts <= p.maxHosts, { message: 'minHosts must not be above maxHosts', path: ['minHosts'] })
  .refine((p) => p.maxLiveHosts === undefined || p.maxLiveHosts >= p.maxHosts, { message: 'maxLiveHosts must not be below maxHosts', path: ['maxLiveHosts'] });

/** The `shapes` field of a pool, given its demand and launch-template schemas (config.ts owns them). */
export function shapesSchema<D extends z.ZodType, T extends z.ZodType>(demand: D, launchTemplate: T) {
  const shape = z.strictObject({
    demand,
    instanceTypes: z.array(z.string().trim().min(1, 'must not be empty')).min(1, 'must name at least one instance type (a shape is its instance types)'),
    policy: shapePolicy,
    /** Replaces backend.launch.imageId for this shape (a GPU image with its drivers). */
    imageId: z.string().trim().min(1, 'must not be empty').optional(),
    /** Replaces backend.launchTemplate for this shape. */
    launchTemplate: launchTemplate.optional(),
  });
  return z
    .record(shapeName, shape)
    .refine((s) => Object.keys(s).length > 0, 'must name at least one shape');
}

/** A shape as validated; `Demand` and `Template` are config.ts's demand and launch-template types. */
export type ShapeConfig<Demand = unknown, Template = unknown> = {
  demand: Demand;
  instanceTypes: string[];
  policy: z.output<typeof shapePolicy>;
  imageId?: string;
  launchTemplate?: Template;
};

/** What the cross-field checks read of an EC2 backend (config.ts's Ec2BackendConfig). */
interface ShapedBackend {
  type: string;
  instanceTypes?: string[];
  launch?: unknown;
  launchTemplate?: unknown;
}

type Issue = { path: Array<string | number>; message: string };

/** A shaped pool's cross-field checks, as issues (path relative to the pool). */
export function shapeIssues(pool: { name: string; backend: ShapedBackend; demand?: unknown; policy: { minHosts: number; maxHosts: number; maxLiveHosts?: number | undefined }; shapes: Record<string, ShapeConfig> }): Issue[] {
  const issues: Issue[] = [];
  const { backend, shapes } = pool;
  if (backend.type !== 'ec2') return [{ path: ['shapes'], message: 'shapes are for an ec2 backend (a SLURM pool has workerTypes)' }];
  const ec2 = backend;
  if (pool.demand !== undefined) issues.push({ path: ['demand'], message: 'a pool with shapes reads its demand per shape (shapes.<name>.demand): remove the pool\'s own' });
  if ((ec2.instanceTypes ?? []).length > 0) issues.push({ path: ['backend', 'instanceTypes'], message: 'a pool with shapes names its instance types per shape (shapes.<name>.instanceTypes)' });
  if (pool.policy.minHosts > 0) issues.push({ path: ['policy', 'minHosts'], message: 'with shapes, give minHosts per shape (shapes.<name>.policy.minHosts): set the pool\'s to 0' });
  if (pool.policy.maxLiveHosts !== undefined) issues.push({ path: ['policy', 'maxLiveHosts'], message: 'with shapes, give maxLiveHosts per shape (shapes.<name>.policy.maxLiveHosts)' });
  const entries = Object.entries(shapes);
  const sum = entries.reduce((s, [, sh]) => s + sh.policy.maxHosts, 0);
  if (sum > pool.policy.maxHosts) {
    issues.push({ path: ['policy', 'maxHosts'], message: `the shapes' maxHosts add up to ${sum} (${entries.map(([n, sh]) => `${n} ${sh.policy.maxHosts}`).join(', ')}), above the pool's ${pool.policy.maxHosts}: the pool-wide cap must hold them all` });
  }
  for (const [name, sh] of entries) {
    const full = `${pool.name}.${name}`;
    if (full.length > 63) issues.push({ path: ['shapes', name], message: `the shape's pool name ${JSON.stringify(full)} is ${full.length} characters: at most 63` });
    const demandType = (sh.demand as { type: string }).type;
    if (demandType === 'ray') issues.push({ path: ['shapes', name, 'demand', 'type'], message: 'a ray demand goes with a slurm backend' });
    if (sh.imageId !== undefined && !ec2.launch) issues.push({ path: ['shapes', name, 'imageId'], message: 'only with backend.launch (a launch template pool gives a shape its own launchTemplate)' });
    if (sh.launchTemplate !== undefined && !ec2.launchTemplate) issues.push({ path: ['shapes', name, 'launchTemplate'], message: 'only with backend.launchTemplate (a backend.launch pool gives a shape its own imageId)' });
  }
  return issues;
}
