import { AwsClients } from '../../aws/clients.js';
import { MutationLedger } from '../../aws/mutation-guard.js';
import type { Shell } from '../../runtime/run-shell.js';
import type { Transport } from '../../evalai/transport.js';
import { createPacer } from '../../runtime/rate-limit.js';
import type { PoolSetup } from './settings.js';
import type { PoolDeps } from './sources.js';
import { poolHostsPath, poolLedgerPath, poolPausePath, readSchedulerId } from './state.js';

/** The run's AWS clients and (on first use) its EvalAI transport, inside the shell. Neither loads its library before it is used. */
export function poolDeps(setup: PoolSetup, shell: Shell, sleep?: (ms: number) => Promise<void>): PoolDeps {
  // Every change leaves through the clients' guard: none after the run's signal, each one recorded.
  const mutations = new MutationLedger(() => shell.deadline.interruptedBy);
  const aws = new AwsClients({ secrets: setup.spec.secrets, timeoutMs: setup.awsTimeoutMs, mutations, logger: shell.logger });
  let transport: Transport | undefined;
  let schedulerId: string | undefined;
  const pacer = createPacer(setup.common.rateLimitPerMinute);
  return {
    aws,
    mutations,
    hostsFileOf: (pool) => poolHostsPath(setup.stateDir, setup.spec.targetKey, pool),
    ledgerFileOf: (pool) => poolLedgerPath(setup.stateDir, setup.spec.targetKey, pool),
    pauseFileOf: (pool) => poolPausePath(setup.stateDir, setup.file.path, pool),
    schedulerId: () => (schedulerId ??= readSchedulerId(setup.stateDir, !setup.common.dryRun)),
    concurrency: setup.common.concurrency,
    maxPages: setup.common.maxPages,
    readOnly: setup.common.dryRun,
    interrupted: () => shell.deadline.interruptedBy,
    // Imported on first use: the transport loads axios, which only an `evalai` demand needs.
    transport: async () => {
      const evalai = setup.evalai;
      if (!evalai) throw new Error('no EvalAI configuration for an evalai demand');
      const { Transport } = await import('../../evalai/transport.js');
      transport ??= new Transport({
        ...evalai, // the connection: URL, token, timeout, attempts, response cap
        logger: shell.logger,
        allowWrites: false,
        beforeThrottledCall: () => pacer.take(),
        ...(sleep ? { sleep } : {}),
      });
      return transport;
    },
  };
}
