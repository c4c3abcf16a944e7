import type { PoolConfig } from '../../pool/config.js';
import { describeError } from '../../runtime/errors.js';
import { counted } from '../../runtime/plural.js';
import type { PoolDeps } from './sources.js';

/**
 * A pool split by shape lists its hosts by `<pool>.<shape>`: hosts launched before the split carry
 * the pool's own name and no shape, so no shape counts, drains or terminates them. They are looked
 * for (one DescribeInstances per split pool, read only) and named in a warning, so that they are
 * never left billing unseen. Returns the warnings; a listing that fails is one warning too.
 */
export async function unshapedHostWarnings(pools: readonly PoolConfig[], deps: Pick<PoolDeps, 'aws'>): Promise<string[]> {
  const split = new Map<string, PoolConfig>();
  for (const p of pools) if (p.shape && p.backend.type === 'ec2' && !split.has(p.shape.pool)) split.set(p.shape.pool, p);
  const warnings: string[] = [];
  if (split.size === 0) return warnings;
  // Imported here: it loads the EC2 SDK, which a pool without shapes (a SLURM pool) never needs.
  const { describePoolInstances } = await import('../../aws/ec2-pool.js');
  for (const [name, shape] of split) {
    if (shape.backend.type !== 'ec2') continue;
    try {
      const { instances } = await describePoolInstances(deps.aws.ec2(shape.backend.region), name);
      if (instances.length === 0) continue;
      const ids = instances.map((i) => i.instanceId);
      warnings.push(
        `pool ${name} is split by shape, but ${counted(ids.length, 'host')} still ${ids.length === 1 ? 'carries' : 'carry'} its unshaped tag (evalai-autoscaler:pool=${name}): ${ids.join(', ')}: ` +
          `no shape counts, drains or terminates ${ids.length === 1 ? 'it' : 'them'}; see "Splitting an existing pool by shape" in docs/scale-pool.md`,
      );
    } catch (err) {
      warnings.push(`pool ${name} is split by shape; its hosts from before the split could not be looked for: ${describeError(err)}`);
    }
  }
  return warnings;
}
