import type { SQSClient } from '@aws-sdk/client-sqs';
import { getQueueDepth, queueName } from '../../aws/sqs.js';
import { describeError } from '../../runtime/errors.js';
import type { Demand, DemandSource } from './demand.js';

export interface SqsDemandOptions {
  queueUrl: string;
  /** Count the messages in flight (ApproximateNumberOfMessagesNotVisible) in n. */
  countInFlight: boolean;
}

/**
 * n from an SQS queue (seed 002): ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible,
 * or the first alone when `countInFlight` is off. The in-flight count is reported either way: with no
 * probe, a host is busy while it is above 0. A failed read is an unknown demand, never 0.
 */
export function sqsDemandSource(client: SQSClient, options: SqsDemandOptions): DemandSource {
  const source = `sqs ${queueName(options.queueUrl)}`;
  return {
    async read(): Promise<Demand> {
      try {
        const depth = await getQueueDepth(client, options.queueUrl);
        const n = depth.visible + (options.countInFlight ? depth.notVisible : 0);
        return { known: true, n, queued: depth.visible, inFlight: depth.notVisible, source };
      } catch (err) {
        return { known: false, reason: describeError(err), source };
      }
    },
  };
}
