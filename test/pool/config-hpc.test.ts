import { describe, expect, it } from 'vitest';
import { renderJobScript, sbatchArgs } from '../../src/pool/backends/slurm.js';
import { DEFAULT_JOB_SCRIPT, parsePoolFile, type SlurmBackendConfig } from '../../src/pool/config.js';

/** Seed 004's setup: Ray pending tasks as demand, SLURM jobs as workers (the docs show this file). */
const seed004 = {
  name: 'hypha-ray',
  demand: { type: 'ray' },
  backend: {
    type: 'slurm',
    headAddress: '10.1.0.5:6379',
    partition: 'gpu',
    account: 'naiss2026-5-123',
    wallTime: '00:10:00',
    workerTypes: [{ name: 'a100', cpus: 16, gpus: 1, memory: '64G' }],
    setup: 'module load Anaconda/2024.02\nsource activate ray-env',
  },
  policy: { minHosts: 0, maxHosts: 8, jobsPerHost: 16, launchTimeout: '15m', scaleDownDelay: '2m', minUptime: '2m' },
};

const parse = (pool: unknown) => parsePoolFile(JSON.stringify({ pools: [pool] }), 'pool.json');

describe('pool file: ray demand and slurm backend', () => {
  it('seed 004 with the defaults filled in', () => {
    const p = parse(seed004).pools[0]!;
    expect(p.demand).toEqual({ type: 'ray', dashboard: 'http://127.0.0.1:8265', timeout: 10_000, limit: 10_000, countRunning: false });
    expect(p.backend).toMatchObject({
      type: 'slurm',
      replaceBefore: 300_000,
      jobScript: DEFAULT_JOB_SCRIPT,
      ray: 'ray',
      commands: { sbatch: 'sbatch', squeue: 'squeue', scancel: 'scancel' },
      commandTimeout: 30_000,
      squeueOutput: 'auto',
      workerTypes: [{ name: 'a100', cpus: 16, gpus: 1, memory: '64G', sbatchArgs: [] }],
    });
    const backend = p.backend as SlurmBackendConfig;
    expect(sbatchArgs('hypha-ray', backend, backend.workerTypes[0]!)).toEqual([
      '--job-name=hypha-ray-worker',
      '--comment=evalai-autoscaler:pool=hypha-ray type=a100',
      '--time=00:10:00',
      '--nodes=1',
      '--ntasks=1',
      '--cpus-per-task=16',
      '--partition=gpu',
      '--account=naiss2026-5-123',
      '--mem=64G',
      '--gpus=1',
    ]);
    expect(renderJobScript('hypha-ray', backend, backend.workerTypes[0]!)).toBe(
      `#!/bin/bash\nset -euo pipefail\nmodule load Anaconda/2024.02\nsource activate ray-env\nexec 'ray' start --address='10.1.0.5:6379' --node-name="hypha-ray-slurm-\${SLURM_JOB_ID}" --num-cpus=16 --num-gpus=1 --block\n`,
    );
  });

  it('a job script of its own, with {nodeName}', () => {
    const script = '#!/bin/bash\n#SBATCH --exclusive\nsrun ray start --address={headAddress} --node-name={nodeName} --num-gpus={gpus} --block\n';
    const p = parse({ ...seed004, backend: { ...seed004.backend, jobScript: script } }).pools[0]!;
    const backend = p.backend as SlurmBackendConfig;
    expect(renderJobScript('hypha-ray', backend, backend.workerTypes[0]!)).toBe('#!/bin/bash\n#SBATCH --exclusive\nsrun ray start --address=10.1.0.5:6379 --node-name=hypha-ray-slurm-${SLURM_JOB_ID} --num-gpus=1 --block\n');
  });

  const broken: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
    ['no wall time', { wallTime: undefined }, {}, /field pools\[0\]\.backend\.wallTime: missing/],
    ['a wall time SLURM would refuse', { wallTime: '10 minutes' }, {}, /field pools\[0\]\.backend\.wallTime: must be a SLURM time limit/],
    ['an unknown placeholder', { jobScript: '#!/bin/sh\n{rayStart} {partition}\n' }, {}, /field pools\[0\]\.backend\.jobScript: unknown placeholder \{partition\}/],
    ['a job script that does not name the Ray node', { jobScript: '#!/bin/sh\nray start --address={headAddress} --block\n' }, {}, /must use \{rayStart\} or \{nodeName\}/],
    ['a job script without #!', { jobScript: '{rayStart}\n' }, {}, /must start with a #! line/],
    ['no worker type', { workerTypes: [] }, {}, /field pools\[0\]\.backend\.workerTypes: must name at least one worker type/],
    ['a worker type twice', { workerTypes: [{ name: 'a', cpus: 1 }, { name: 'a', cpus: 2 }] }, {}, /field pools\[0\]\.backend\.workerTypes\[1\]\.name: worker type "a" is named twice/],
    ['an unknown key', { partitions: ['gpu'] }, {}, /pools\[0\]\.backend/],
    ['a Ray limit Ray would refuse', {}, { limit: 20_000 }, /field pools\[0\]\.demand\.limit: must be at most 10000/],
    ['a dashboard that is not a URL', {}, { dashboard: 'localhost:8265' }, /field pools\[0\]\.demand\.dashboard/],
  ];
  it.each(broken)('%s', (_name, backend, demand, error) => {
    expect(() => parse({ ...seed004, backend: { ...seed004.backend, ...backend }, demand: { ...seed004.demand, ...demand } })).toThrow(error);
  });
});

describe('pool file: several worker types (Ray demand by shape)', () => {
  const types = (workerTypes: unknown[]) => ({ ...seed004, backend: { ...seed004.backend, workerTypes } });

  it('custom resources and maxWorkers are read; a memory size sbatch takes is read as bytes for the packing', async () => {
    const p = parse(types([{ name: 'cpu', cpus: 8, memory: '32G' }, { name: 'tpu', cpus: 4, resources: { TPU: 4 }, maxWorkers: 2 }])).pools[0]!;
    const backend = p.backend as SlurmBackendConfig;
    expect(backend.workerTypes[1]).toMatchObject({ resources: { TPU: 4 }, maxWorkers: 2 });
    const { workerResources } = await import('../../src/pool/backends/slurm-ray.js');
    expect(workerResources(backend.workerTypes[0]!)).toEqual({ CPU: 8, memory: 32 * 2 ** 30 });
    expect(workerResources(backend.workerTypes[1]!)).toEqual({ CPU: 4, TPU: 4 });
  });

  it.each([
    [[{ name: 'a', cpus: 1, resources: { GPU: 1 } }], /workerTypes\[0\]\.resources.*CPU, GPU and memory come from cpus, gpus and memory/],
    [[{ name: 'a', cpus: 1, resources: { TPU: -1 } }], /workerTypes\[0\]\.resources\.TPU.*must not be negative/],
    [[{ name: 'a', cpus: 1, maxWorkers: 0 }], /workerTypes\[0\]\.maxWorkers.*must be at least 1/],
    [[{ name: 'a', cpus: 1 }, { name: 'b', cpus: 1, memory: 'lots' }], /workerTypes\[1\]\.memory.*"lots" is not a SLURM memory size/],
  ])('refused with the field named: %j', (workerTypes, message) => {
    expect(() => parse(types(workerTypes))).toThrow(message);
  });
});
