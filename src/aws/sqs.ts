import type { SQSClient } from '@aws-sdk/client-sqs';
import { AwsError, toAwsError } from './errors.js';
import { sqsSdk } from './sdk.js';

const { GetQueueAttributesCommand } = sqsSdk(); // required, not imported: aws/sdk.ts

/** A queue's depth as SQS reports it (approximate, as SQS says). */
export interface QueueDepth {
  /** ApproximateNumberOfMessages: waiting to be received. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, not yet deleted (in flight). */
  notVisible: number;
}

const ATTRIBUTES = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] as const;

/** GetQueueAttributes for the two depth counters. Anything missing or not a count is an error, never a 0. */
export async function getQueueDepth(client: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const operation = 'SQS GetQueueAttributes';
  const subject = `queue ${queueName(queueUrl)}`;
  let out;
  try {
    out = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...ATTRIBUTES] }));
  } catch (err) {
    const name = (err as { name?: unknown }).name;
    if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
      throw new AwsError('not-found', operation, String(name), `${subject}: no such queue (check the queue URL and the region)`);
    }
    throw toAwsError(err, operation, subject);
  }
  const read = (attribute: string): number => {
    const value = out.Attributes?.[attribute as keyof typeof out.Attributes];
    if (value === undefined || !/^\d+$/.test(value)) {
      throw new AwsError('aws-error', operation, undefined, `${subject}: ${attribute} is ${value === undefined ? 'missing' : JSON.stringify(value)}, not a count`);
    }
    return Number(value);
  };
  return { visible: read('ApproximateNumberOfMessages'), notVisible: read('ApproximateNumberOfMessagesNotVisible') };
}

/** The last part of a queue URL, for messages ("training-queue"). */
export function queueName(queueUrl: string): string {
  return queueUrl.replace(/\/+$/, '').split('/').pop() || queueUrl;
}
