/**
 * What a demand source says: n, the number of jobs the pool should have capacity for, or unknown.
 * An unknown demand is never acted on (no launch, no drain, no recapture): a source that is down
 * must not scale the pool to its minimum.
 */
export type Demand =
  | {
      known: true;
      /** The jobs to size for. */
      n: number;
      /** Jobs waiting (SQS: ApproximateNumberOfMessages). */
      queued: number;
      /** Jobs being worked on (SQS: ApproximateNumberOfMessagesNotVisible): with no probe, hosts are busy while this is above 0. */
      inFlight: number;
      /** "sqs https://…/jobs": where n came from, for the log. */
      source: string;
    }
  | { known: false; reason: string; source: string };

export interface DemandSource {
  /** Never throws: a failure is an unknown demand with its reason. */
  read(): Promise<Demand>;
}
