import { describe, expect, it } from 'vitest';
import { packDemands, utilizationScore, type WorkerTypeShape } from '../../src/pool/ray-bin-pack.js';

const GiB = 2 ** 30;
const cpu: WorkerTypeShape = { name: 'cpu', resources: { CPU: 8, memory: 32 * GiB }, max: 10, existing: 0 };
const gpu: WorkerTypeShape = { name: 'gpu', resources: { CPU: 8, GPU: 1, memory: 64 * GiB }, max: 4, existing: 0 };
const big: WorkerTypeShape = { name: 'bigmem', resources: { CPU: 8, memory: 256 * GiB }, max: 2, existing: 0 };
const tpu: WorkerTypeShape = { name: 'tpu', resources: { CPU: 4, TPU: 4 }, max: 2, existing: 0 };

const plan = (input: Partial<Parameters<typeof packDemands>[0]>) => packDemands({ tasks: [], free: [], types: [gpu, cpu], maxToAdd: 100, ...input });

describe('ray bin packing onto worker types (as Ray\'s resource_demand_scheduler)', () => {
  it('a GPU task gets a GPU worker, though the GPU type is listed first or last', () => {
    for (const types of [[gpu, cpu], [cpu, gpu]]) {
      const p = plan({ types, tasks: [{ resources: { CPU: 1, GPU: 1 }, count: 1 }] });
      expect(p.launches).toEqual([{ type: 'gpu', count: 1, reason: 'for 1 × {CPU: 1, GPU: 1}' }]);
      expect(p.infeasible).toEqual([]);
    }
  });

  it('a CPU-only backlog never starts a GPU job, even with the GPU type listed first and CPU types full', () => {
    const p = plan({ tasks: [{ resources: { CPU: 1 }, count: 20 }] });
    expect(p.launches).toEqual([{ type: 'cpu', count: 3, reason: 'for 20 × {CPU: 1}' }]);
    expect(p.defaultType).toBe('cpu');
    const full = plan({ types: [gpu, { ...cpu, existing: 10 }], tasks: [{ resources: { CPU: 1 }, count: 20 }] });
    expect(full.launches).toEqual([]);
    expect(full.unmet).toEqual([{ resources: { CPU: 1 }, count: 20 }]);
    expect(full.reason).toContain('no room within the worker types\' max for 20 × {CPU: 1}');
  });

  it('CPU tasks ride along on the GPU worker a GPU task needs', () => {
    const p = plan({ tasks: [{ resources: { CPU: 1, GPU: 1 }, count: 1 }, { resources: { CPU: 1 }, count: 7 }] });
    expect(p.launches).toEqual([{ type: 'gpu', count: 1, reason: 'for 1 × {CPU: 1, GPU: 1}, 7 × {CPU: 1}' }]);
  });

  it('memory picks the type that holds it; a task too big for every type is infeasible', () => {
    const p = plan({ types: [cpu, big], tasks: [{ resources: { CPU: 1, memory: 100 * GiB }, count: 3 }, { resources: { CPU: 1, memory: 512 * GiB }, count: 1 }] });
    expect(p.launches).toEqual([{ type: 'bigmem', count: 2, reason: 'for 3 × {CPU: 1, memory: 100 GiB}' }]);
    expect(p.infeasible).toEqual([{ resources: { CPU: 1, memory: 512 * GiB }, count: 1 }]);
  });

  it('custom resources: a TPU task gets the TPU type; one asking a resource no type has is reported, nothing started', () => {
    const p = plan({ types: [cpu, tpu], tasks: [{ resources: { TPU: 1 }, count: 6 }, { resources: { accelerator_type_H100: 1 }, count: 2 }] });
    expect(p.launches).toEqual([{ type: 'tpu', count: 2, reason: 'for 6 × {TPU: 1}' }]);
    expect(p.order).toEqual(['tpu', 'tpu']);
    expect(p.infeasible).toEqual([{ resources: { accelerator_type_H100: 1 }, count: 2 }]);
    expect(p.reason).toMatch(/infeasible, nothing started for them: 2 × \{accelerator_type_H100: 1\}/);
    const only = plan({ types: [cpu, tpu], tasks: [{ resources: { accelerator_type_H100: 1 }, count: 2 }] });
    expect(only.order).toEqual([]);
  });

  it('the free resources of workers up or starting are filled first', () => {
    const p = plan({ free: [{ CPU: 4 }, { CPU: 8, GPU: 1 }], tasks: [{ resources: { CPU: 1 }, count: 6 }, { resources: { GPU: 1 }, count: 2 }] });
    // 6 CPU tasks fit the free CPUs (4 + 2 on the GPU worker), one GPU task fits, one needs a new GPU worker.
    expect(p.onExisting).toBe(7);
    expect(p.launches).toEqual([{ type: 'gpu', count: 1, reason: 'for 1 × {GPU: 1}' }]);
  });

  it('placement groups: a STRICT_PACK group needs one node holding all its bundles; PACK bundles may spread', () => {
    const strict = plan({ types: [{ name: 'small', resources: { CPU: 4 }, max: 10, existing: 0 }, { name: 'large', resources: { CPU: 16 }, max: 10, existing: 0 }], placementGroups: [{ strategy: 'STRICT_PACK', bundles: [{ resources: { CPU: 3 }, count: 4 }], count: 1 }] });
    expect(strict.launches).toEqual([{ type: 'large', count: 1, reason: 'for 1 × {CPU: 12}' }]);
    const loose = plan({ types: [{ name: 'small', resources: { CPU: 4 }, max: 10, existing: 0 }], placementGroups: [{ strategy: 'PACK', bundles: [{ resources: { CPU: 3 }, count: 4 }], count: 1 }] });
    expect(loose.launches).toEqual([{ type: 'small', count: 4, reason: 'for 4 × {CPU: 3}' }]);
    const tooBig = plan({ types: [{ name: 'small', resources: { CPU: 4 }, max: 10, existing: 0 }], placementGroups: [{ strategy: 'STRICT_PACK', bundles: [{ resources: { CPU: 3 }, count: 4 }], count: 1 }] });
    expect(tooBig.order).toEqual([]);
    expect(tooBig.infeasible).toEqual([{ resources: { CPU: 12 }, count: 1 }]);
  });

  it('a STRICT_SPREAD group takes a node per bundle, free nodes first', () => {
    const p = plan({ types: [cpu], free: [{ CPU: 8 }], placementGroups: [{ strategy: 'STRICT_SPREAD', bundles: [{ resources: { CPU: 1 }, count: 3 }], count: 1 }] });
    expect(p.onExisting).toBe(1);
    expect(p.launches).toEqual([{ type: 'cpu', count: 2, reason: 'for 2 × {CPU: 1}' }]);
  });

  it('each type\'s max and maxToAdd bound the plan; what is left is unmet, not infeasible', () => {
    const p = plan({ types: [{ ...gpu, existing: 3 }], tasks: [{ resources: { GPU: 1 }, count: 5 }] });
    expect(p.launches).toEqual([{ type: 'gpu', count: 1, reason: 'for 1 × {GPU: 1}' }]);
    expect(p.unmet).toEqual([{ resources: { GPU: 1 }, count: 4 }]);
    expect(plan({ types: [cpu], tasks: [{ resources: { CPU: 8 }, count: 5 }], maxToAdd: 2 }).order).toEqual(['cpu', 'cpu']);
  });

  it('100,000 pending tasks of a few shapes are packed by count, not one by one', () => {
    const p = plan({ types: [cpu, gpu], tasks: [{ resources: { CPU: 1 }, count: 100_000 }, { resources: { CPU: 1, GPU: 1 }, count: 50_000 }], maxToAdd: 12 });
    expect(p.order).toHaveLength(12);
    expect(p.launches.map((l) => l.type).sort()).toEqual(['cpu', 'gpu']);
  });

  it('utilization score: more matched resource kinds first, then fuller', () => {
    const demand = [{ resources: { CPU: 2 }, count: 1 }];
    expect(utilizationScore({ CPU: 2 }, demand)![1]).toBeGreaterThan(utilizationScore({ CPU: 16 }, demand)![1]);
    expect(utilizationScore({ CPU: 8, GPU: 1 }, demand)).toBeNull();
    expect(utilizationScore({ CPU: 1 }, demand)).toBeNull();
  });
});
