import pLimit from 'p-limit';
import type { Challenge } from '../../core/challenge.js';
import { listChallenges } from '../../evalai/challenges.js';
import { getPendingSubmissions } from '../../evalai/metrics.js';
import type { Transport } from '../../evalai/transport.js';
import { describeError } from '../../runtime/errors.js';
import type { EvalaiDemandConfig } from '../config.js';
import type { Demand, DemandSource } from './demand.js';

export interface EvalaiDemandOptions {
  transport: Transport;
  config: EvalaiDemandConfig;
  /** Metrics requests in flight at once. */
  concurrency: number;
  maxPages: number;
}

/**
 * n from EvalAI (so EvalAI deployments can pool workers too): the pending submissions (running +
 * submitted + queued + resuming, the shared calculator) summed over the pool's challenges: the ids
 * the pool file names, or every current challenge (with `flag` set, when one is given). In flight
 * is the running ones. One challenge whose count cannot be read, or a challenge list that cannot be
 * read whole, makes the demand unknown: a partial sum would look like less work and drain hosts.
 */
export function evalaiDemandSource(options: EvalaiDemandOptions): DemandSource {
  const { config } = options;
  const source = config.challenges === 'all' ? `evalai all current challenges${config.flag ? ` with ${config.flag}` : ''}` : `evalai challenges ${config.challenges.join(', ')}`;
  return {
    async read(): Promise<Demand> {
      try {
        const ids = config.challenges === 'all' ? await currentChallenges(options) : config.challenges;
        const limit = pLimit(options.concurrency);
        const counts = await Promise.all(ids.map((id) => limit(() => getPendingSubmissions(options.transport, id))));
        const inFlight = counts.reduce((s, c) => s + c.byStatus.running, 0);
        const n = counts.reduce((s, c) => s + c.total, 0);
        return { known: true, n, queued: n - inFlight, inFlight, source };
      } catch (err) {
        return { known: false, reason: describeError(err), source };
      }
    },
  };
}

async function currentChallenges({ transport, config, maxPages }: EvalaiDemandOptions): Promise<number[]> {
  const ids: number[] = [];
  for await (const entry of listChallenges(transport, { time: 'present' }, { maxPages })) {
    if (!entry.ok) throw entry.error;
    if (config.flag === undefined || (entry.challenge[config.flag satisfies keyof Challenge] as boolean)) ids.push(entry.challenge.id);
  }
  return ids;
}
