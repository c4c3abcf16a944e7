import type { AwsClients } from '../../aws/clients.js';
import type { Transport } from '../../evalai/transport.js';
import type { PoolBackend } from '../../pool/backend.js';
import { ec2Backend } from '../../pool/backends/ec2.js';
import type { PoolConfig } from '../../pool/config.js';
import type { DemandSource } from '../../pool/demand/demand.js';
import { evalaiDemandSource } from '../../pool/demand/evalai.js';
import { sqsDemandSource } from '../../pool/demand/sqs.js';
import type { Host, ProbeResult } from '../../pool/host.js';
import { httpProbe } from '../../pool/probe.js';

/** What the pools' backends and demand sources are built from, once per run. */
export interface PoolDeps {
  aws: AwsClients;
  /** The EvalAI transport, built on first use (only pools with an `evalai` demand need one). */
  transport: () => Transport;
  concurrency: number;
  maxPages: number;
}

type BackendConfig = PoolConfig['backend'];
type BackendBuilder<T extends BackendConfig['type']> = (pool: PoolConfig & { backend: Extract<BackendConfig, { type: T }> }, deps: PoolDeps) => PoolBackend;

/** One line per backend type of the pool file: a new backend (SLURM, EKS) is one more line here. */
const BACKENDS: { [T in BackendConfig['type']]: BackendBuilder<T> } = {
  ec2: (pool, deps) => ec2Backend({ client: deps.aws.ec2(pool.backend.region), pool: pool.name, config: pool.backend }),
};

export function buildBackend(pool: PoolConfig, deps: PoolDeps): PoolBackend {
  const build = BACKENDS[pool.backend.type] as BackendBuilder<BackendConfig['type']>;
  return build(pool, deps);
}

export function buildDemand(pool: PoolConfig, deps: PoolDeps): DemandSource {
  const d = pool.demand;
  switch (d.type) {
    case 'sqs':
      return sqsDemandSource(deps.aws.sqs(d.region ?? regionOfQueueUrl(d.queueUrl)), { queueUrl: d.queueUrl, countInFlight: d.countInFlight });
    case 'evalai':
      return evalaiDemandSource({ transport: deps.transport(), config: d, concurrency: deps.concurrency, maxPages: deps.maxPages });
  }
}

export function buildProbe(pool: PoolConfig): ((host: Host) => Promise<ProbeResult>) | undefined {
  return pool.probe ? httpProbe({ urlTemplate: pool.probe.url, timeoutMs: pool.probe.timeoutMs }) : undefined;
}

/** The region in an SQS queue URL (`https://sqs.us-east-1.amazonaws.com/…`), when it has one. */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  try {
    return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(queueUrl).hostname)?.[1];
  } catch {
    return undefined;
  }
}
