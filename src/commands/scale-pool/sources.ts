import type { AwsClients } from '../../aws/clients.js';
import type { MutationLedger } from '../../aws/mutation-guard.js';
import type { Transport } from '../../evalai/transport.js';
import type { PoolBackend } from '../../pool/backend.js';
import { putObjectIf, readObject } from '../../aws/s3.js';
import type { Ec2BackendOptions } from '../../pool/backends/ec2.js';
import type { Ec2BackendConfig, PoolConfig } from '../../pool/config.js';
import { fileIntentStore } from '../../pool/ledger-file.js';
import { s3IntentStore, type VersionedObject } from '../../pool/ledger-s3.js';
import type { DemandSource } from '../../pool/demand/demand.js';
import type { ShapedNeed } from '../../pool/decide.js';
import type { Host, ProbeResult } from '../../pool/host.js';
import type { InterruptionSource } from '../../pool/interruption-queue.js';
import { httpProbe } from '../../pool/probe.js';
import { slurmRayPool } from '../../pool/backends/slurm-ray.js';
import { ConfigError } from '../../runtime/errors.js';

/** What the pools' backends and demand sources are built from, once per run. */
export interface PoolDeps {
  aws: AwsClients;
  /** What the AWS clients sent, and held back after a signal (aws/mutation-guard.ts). */
  mutations?: MutationLedger;
  /** Where a SLURM pool keeps its jobs' host states (one file per pool, next to its state file). */
  hostsFileOf: (pool: string) => string;
  /** The EvalAI transport, built on first use (only pools with an `evalai` demand need one). */
  transport: () => Promise<Transport>;
  concurrency: number;
  maxPages: number;
  /** Where an EC2 pool without coordination keeps its launch ledger (the state directory). */
  ledgerFileOf?: (pool: string) => string;
  /** Where a pool without coordination keeps its pause (the state directory, named by the pool file and the pool). */
  pauseFileOf?: (pool: string) => string;
  /** This scheduler's id (state directory); asked only when an EC2 pool is built. */
  schedulerId?: () => string;
  /** A dry run or `status`: a SLURM pool's hosts file is only read. */
  readOnly?: boolean;
  /** The signal the run got, if any: a SLURM pool starts no sbatch or scancel after it. */
  interrupted?: () => string | undefined;
  /** `run --dry-run`: a SLURM pool checks its launches with sbatch --test-only. */
  validateLaunches?: boolean;
}

/** What one tick of a pool needs from the outside: where hosts live, what demand is, how hosts are probed. */
export interface PoolParts {
  backend: PoolBackend;
  demand: DemandSource;
  probe?: (host: Host) => Promise<ProbeResult | null>;
  /** An EC2 pool's backend.interruptionQueue. */
  interruptions?: InterruptionSource;
  /** Several SLURM worker types: what the Ray demand's shapes need started (tick's `shape`). */
  shape?: (hosts: readonly Host[], maxHosts: number) => ShapedNeed | null;
  /** Said once per tick (a SLURM hosts file that could not be read). */
  warnings: string[];
}

/**
 * The backend, demand source and probe of a pool, by the pool file's types. A SLURM backend goes
 * with a Ray demand (the Ray dashboard says which jobs joined, and how busy they are); both are
 * built together so they share one look at the dashboard per tick. The EC2 backend and the SQS
 * and EvalAI demand sources are imported here, when a pool has them: their modules load the AWS
 * SDK (or axios), which a SLURM pool never needs (docs/performance.md).
 */
export async function buildPoolParts(pool: PoolConfig, deps: PoolDeps): Promise<PoolParts> {
  const backend = pool.backend;
  const demand = pool.demand;
  assertBuildable(pool);
  if (backend.type === 'slurm' && demand.type === 'ray') {
    const hpc = slurmRayPool({ pool: pool.name, demand, backend, statePath: deps.hostsFileOf(pool.name), now: Date.now, ...(deps.readOnly ? { readOnly: true } : {}), ...(deps.interrupted ? { interrupted: deps.interrupted } : {}), ...(deps.validateLaunches ? { validateLaunches: true } : {}) });
    return { backend: hpc.backend, demand: hpc.demand, probe: hpc.probe, ...(hpc.shape ? { shape: hpc.shape } : {}), warnings: hpc.backend.warnings };
  }
  if (backend.type !== 'ec2' || demand.type === 'ray') throw new Error('unreachable: assertBuildable let an unknown pairing through');
  const probe = pool.probe ? httpProbe({ urlTemplate: pool.probe.url, timeoutMs: pool.probe.timeoutMs, maxBytes: pool.probe.maxBytes }) : undefined;
  const { ec2Backend } = await import('../../pool/backends/ec2.js');
  return {
    backend: ec2Backend({
      client: deps.aws.ec2(backend.region),
      pool: pool.name,
      config: backend,
      ...ec2Ledger(pool.name, backend, deps),
    }),
    demand: demand.type === 'sqs'
      ? (await import('../../pool/demand/sqs.js')).sqsDemandSource(deps.aws.sqs(demand.region ?? regionOfQueueUrl(demand.queueUrl)), { queueUrl: demand.queueUrl, countInFlight: demand.countInFlight })
      : (await import('../../pool/demand/evalai.js')).evalaiDemandSource({ transport: await deps.transport(), config: demand, concurrency: deps.concurrency, maxPages: deps.maxPages }),
    ...(probe ? { probe } : {}),
    ...(backend.interruptionQueue ? { interruptions: (await import('../../pool/interruption-queue.js')).sqsInterruptionSource(deps.aws.sqs(regionOfQueueUrl(backend.interruptionQueue) ?? backend.region), backend.interruptionQueue) } : {}),
    warnings: [],
  };
}

/**
 * Where an EC2 pool writes its launches before sending them: the S3 object of backend.coordination
 * (shared by every scheduler of the pool), else a file in the state directory; and who it is.
 */
function ec2Ledger(pool: string, backend: Ec2BackendConfig, deps: PoolDeps): Pick<Ec2BackendOptions, 'ledger' | 'schedulerId' | 'coordinated'> {
  const schedulerId = deps.schedulerId?.();
  const object = coordinationObject(pool, backend, deps);
  if (object) return { ledger: s3IntentStore(object, pool), coordinated: true, ...(schedulerId ? { schedulerId } : {}) };
  return { ...(deps.ledgerFileOf ? { ledger: fileIntentStore(deps.ledgerFileOf(pool), pool) } : {}), ...(schedulerId ? { schedulerId } : {}) };
}

/** The S3 object of backend.coordination (the launch ledger and the pause), or null without coordination. */
export function coordinationObject(pool: string, backend: Ec2BackendConfig, deps: Pick<PoolDeps, 'aws'>): VersionedObject | null {
  const c = backend.coordination;
  if (!c) return null;
  const key = c.key ?? `evalai-autoscaler/${pool}.json`;
  const region = c.region ?? backend.region;
  return {
    where: `s3://${c.bucket}/${key}`,
    read: async () => readObject(await deps.aws.s3(region), c.bucket, key),
    write: async (body: string, etag: string | null) => putObjectIf(await deps.aws.s3(region), c.bucket, key, body, etag),
  };
}

/** Refuses, before anything runs, a pool whose demand and backend do not go together. */
export function assertBuildable(pool: PoolConfig): void {
  if ((pool.backend.type === 'slurm') !== (pool.demand.type === 'ray')) {
    throw new ConfigError(`pool ${pool.name}: a slurm backend goes with a ray demand, and a ray demand with a slurm backend (the Ray dashboard tells which jobs joined)`);
  }
}

/** The region in an SQS queue URL (`https://sqs.us-east-1.amazonaws.com/…`), when it has one. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  try {
    return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(queueUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}
