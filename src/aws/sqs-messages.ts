import type { SQSClient } from '@aws-sdk/client-sqs';
import { describeError } from '../runtime/errors.js';
import { AwsError, toAwsError } from './errors.js';
import { sqsSdk } from './sdk.js';
import { queueName } from './sqs.js';

const { DeleteMessageBatchCommand, ReceiveMessageCommand } = sqsSdk(); // required, not imported: aws/sdk.ts

/** One received message: what deleting it needs, and its body as sent. */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string | undefined;
}

export interface ReceiveOptions {
  /** ReceiveMessage calls at most (10 messages each); default 10. */
  maxRounds?: number;
  /**
   * The messages' visibility timeout for this receive (seconds); absent: the queue's. 0 leaves them
   * visible at once (a dry run: another run receives them as if this one had not).
   */
  visibilityTimeout?: number;
}

/**
 * Receives what the queue holds now: ReceiveMessage (10 at a time, no long poll) until an answer
 * brings nothing new or `maxRounds` calls were made. A message without an id or receipt handle
 * cannot be deleted and is left out; the count says how many.
 */
export async function receiveMessages(client: SQSClient, queueUrl: string, options: ReceiveOptions = {}): Promise<{ messages: QueueMessage[]; malformed: number }> {
  const operation = 'SQS ReceiveMessage';
  const subject = `queue ${queueName(queueUrl)}`;
  const seen = new Map<string, QueueMessage>();
  let malformed = 0;
  for (let round = 0; round < (options.maxRounds ?? 10); round += 1) {
    let out;
    try {
      out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          ...(options.visibilityTimeout !== undefined ? { VisibilityTimeout: options.visibilityTimeout } : {}),
        }),
      );
    } catch (err) {
      throw notFound(err, operation, subject) ?? toAwsError(err, operation, subject);
    }
    const batch: unknown = out?.Messages ?? [];
    if (!Array.isArray(batch)) throw new AwsError('unreadable', operation, undefined, `${subject}: Messages is not a list`);
    let fresh = 0;
    for (const m of batch as Array<Record<string, unknown> | null>) {
      const id = m?.MessageId;
      const handle = m?.ReceiptHandle;
      if (typeof id !== 'string' || typeof handle !== 'string' || id === '' || handle === '') {
        malformed += 1;
        continue;
      }
      if (seen.has(id)) continue;
      seen.set(id, { messageId: id, receiptHandle: handle, body: typeof m?.Body === 'string' ? m.Body : undefined });
      fresh += 1;
    }
    if (fresh === 0) break;
  }
  return { messages: [...seen.values()], malformed };
}

/**
 * DeleteMessageBatch, 10 at a time. Never throws: what SQS did not confirm (a failed entry, a failed
 * call, an answer that does not say) is returned as failed; such a message comes back once its
 * visibility timeout ends.
 */
export async function deleteMessages(client: SQSClient, queueUrl: string, messages: readonly QueueMessage[]): Promise<{ deleted: string[]; failed: Array<{ messageId: string; error: string }> }> {
  const operation = 'SQS DeleteMessageBatch';
  const subject = `queue ${queueName(queueUrl)}`;
  const deleted: string[] = [];
  const failed: Array<{ messageId: string; error: string }> = [];
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    const byEntry = new Map(batch.map((m, k) => [`m${k}`, m.messageId]));
    try {
      const out = await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((m, k) => ({ Id: `m${k}`, ReceiptHandle: m.receiptHandle })) }));
      const ok = new Set((out?.Successful ?? []).map((s) => s?.Id));
      const errors = new Map((out?.Failed ?? []).map((f) => [f?.Id, `${f?.Code ?? 'error'}${f?.Message ? `: ${f.Message}` : ''}`]));
      for (const [entry, messageId] of byEntry) {
        if (ok.has(entry) && !errors.has(entry)) deleted.push(messageId);
        else failed.push({ messageId, error: `${operation}: ${subject}: ${errors.get(entry) ?? 'the answer does not confirm it'}` });
      }
    } catch (err) {
      const error = describeError(notFound(err, operation, subject) ?? toAwsError(err, operation, subject));
      for (const messageId of byEntry.values()) failed.push({ messageId, error });
    }
  }
  return { deleted, failed };
}

function notFound(err: unknown, operation: string, subject: string): AwsError | null {
  const name = (err as { name?: unknown }).name;
  if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new AwsError('not-found', operation, String(name), `${subject}: no such queue (check the queue URL and the region)`);
  }
  return null;
}
