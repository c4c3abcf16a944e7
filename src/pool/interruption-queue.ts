import type { SQSClient } from '@aws-sdk/client-sqs';
import { deleteMessages, receiveMessages, type QueueMessage } from '../aws/sqs-messages.js';
import { queueName } from '../aws/sqs.js';
import { parseInterruptionMessage, type ParsedMessage } from './interruption-event.js';

/** A message of the interruption queue as the tick sees it. */
export interface ReceivedInterruption {
  message: QueueMessage;
  parsed: ParsedMessage;
}

/**
 * Where a pool hears that AWS will take its instances (backend.interruptionQueue): received once
 * per tick, deleted by the tick only after it acted on them.
 */
export interface InterruptionSource {
  /** "queue pool-interruptions", for messages. */
  name: string;
  /** A dry run's receive leaves the messages visible for the next run. */
  receive(opts: { dryRun: boolean }): Promise<{ messages: ReceivedInterruption[]; malformed: number }>;
  delete(messages: readonly QueueMessage[]): Promise<{ deleted: string[]; failed: Array<{ messageId: string; error: string }> }>;
}

export function sqsInterruptionSource(client: SQSClient, queueUrl: string): InterruptionSource {
  return {
    name: `queue ${queueName(queueUrl)}`,
    async receive({ dryRun }) {
      const got = await receiveMessages(client, queueUrl, dryRun ? { visibilityTimeout: 0 } : {});
      return { messages: got.messages.map((message) => ({ message, parsed: parseInterruptionMessage(message.body) })), malformed: got.malformed };
    },
    delete: (messages) => deleteMessages(client, queueUrl, messages),
  };
}
