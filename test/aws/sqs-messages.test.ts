import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { guardMutations, MutationLedger } from '../../src/aws/mutation-guard.js';
import { deleteMessages, receiveMessages } from '../../src/aws/sqs-messages.js';

const sqsMock = mockClient(SQSClient);
const credentials = { accessKeyId: 'AKIATEST', secretAccessKey: 'test' };
const client = new SQSClient({ region: 'us-east-1', credentials });
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/pool-interruptions';
const msg = (n: number) => ({ MessageId: `id-${n}`, ReceiptHandle: `h-${n}`, Body: `body ${n}` });

beforeEach(() => sqsMock.reset());
afterAll(() => sqsMock.restore());

describe('receiveMessages', () => {
  it('receives 10 at a time with no long poll until an answer brings nothing new', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: Array.from({ length: 10 }, (_, i) => msg(i)) }).resolvesOnce({ Messages: [msg(10)] }).resolves({});
    const out = await receiveMessages(client, QUEUE);
    expect(out.messages.map((m) => m.messageId)).toEqual(Array.from({ length: 11 }, (_, i) => `id-${i}`));
    expect(out.messages[0]).toEqual({ messageId: 'id-0', receiptHandle: 'h-0', body: 'body 0' });
    expect(sqsMock.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input)).toEqual(Array(3).fill({ QueueUrl: QUEUE, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  });

  it('stops after maxRounds calls, and when the same messages come back (a visibility timeout of 0)', async () => {
    let n = 0;
    sqsMock.on(ReceiveMessageCommand).callsFake(() => Promise.resolve({ Messages: [msg((n += 1))] }));
    expect((await receiveMessages(client, QUEUE, { maxRounds: 4 })).messages).toHaveLength(4);
    sqsMock.reset();
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [msg(1), msg(2)] });
    expect((await receiveMessages(client, QUEUE, { visibilityTimeout: 0 })).messages).toHaveLength(2);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({ VisibilityTimeout: 0 });
  });

  it('a message without an id or receipt handle is left out and counted; an answer that is not a list is an error', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1), { MessageId: 'x', Body: 'b' }, { ReceiptHandle: 'h' }] }).resolves({});
    expect(await receiveMessages(client, QUEUE)).toMatchObject({ messages: [{ messageId: 'id-1' }], malformed: 2 });
    sqsMock.reset();
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: 'nope' as never });
    await expect(receiveMessages(client, QUEUE)).rejects.toMatchObject({ kind: 'unreadable', message: 'SQS ReceiveMessage: queue pool-interruptions: Messages is not a list' });
  });

  it('an unknown queue says so', async () => {
    sqsMock.on(ReceiveMessageCommand).rejects(new SQSServiceException({ name: 'QueueDoesNotExist', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'The specified queue does not exist.' }));
    await expect(receiveMessages(client, QUEUE)).rejects.toMatchObject({ kind: 'not-found', message: 'SQS ReceiveMessage: queue pool-interruptions: no such queue (check the queue URL and the region)' });
  });
});

describe('deleteMessages', () => {
  const messages = Array.from({ length: 12 }, (_, i) => ({ messageId: `id-${i}`, receiptHandle: `h-${i}`, body: '' }));

  it('deletes 10 at a time and reports what SQS confirmed', async () => {
    sqsMock.on(DeleteMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => Promise.resolve({ Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] }));
    expect(await deleteMessages(client, QUEUE, messages)).toEqual({ deleted: messages.map((m) => m.messageId), failed: [] });
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.length)).toEqual([10, 2]);
    expect(sqsMock.commandCalls(DeleteMessageBatchCommand)[1]!.args[0].input.Entries).toEqual([{ Id: 'm0', ReceiptHandle: 'h-10' }, { Id: 'm1', ReceiptHandle: 'h-11' }]);
  });

  it('a failed entry, an entry the answer does not name, and a failed call are failed, never deleted', async () => {
    sqsMock.on(DeleteMessageBatchCommand).resolvesOnce({ Successful: [{ Id: 'm0' }], Failed: [{ Id: 'm1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] }).rejects(new Error('socket hang up'));
    const out = await deleteMessages(client, QUEUE, messages);
    expect(out.deleted).toEqual(['id-0']);
    expect(out.failed.map((f) => f.messageId)).toEqual(messages.slice(1).map((m) => m.messageId));
    expect(out.failed[0]!.error).toBe('SQS DeleteMessageBatch: queue pool-interruptions: ReceiptHandleIsInvalid');
    expect(out.failed[1]!.error).toBe('SQS DeleteMessageBatch: queue pool-interruptions: the answer does not confirm it');
    expect(out.failed[9]!.error).toMatch(/^SQS DeleteMessageBatch: .*socket hang up/);
  });
});

describe('after the run\'s signal (the clients\' mutation guard)', () => {
  it('neither ReceiveMessage nor DeleteMessageBatch leaves: the receive fails, the delete reports every message not deleted', async () => {
    sqsMock.restore();
    try {
      // A real client (no mock): the guard refuses before anything is sent, so no server is needed.
      const guarded = new SQSClient({ region: 'us-east-1', credentials, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
      const ledger = new MutationLedger(() => 'SIGTERM');
      guardMutations(guarded, ledger);
      await expect(receiveMessages(guarded, QUEUE)).rejects.toThrow(/ReceiveMessage not sent: interrupted by SIGTERM/);
      const out = await deleteMessages(guarded, QUEUE, [{ messageId: 'id-1', receiptHandle: 'h-1', body: '' }]);
      expect(out).toEqual({ deleted: [], failed: [{ messageId: 'id-1', error: expect.stringMatching(/DeleteMessageBatch not sent: interrupted by SIGTERM/) }] });
      expect(ledger.refused.map((r) => r.action)).toEqual(['ReceiveMessage', 'DeleteMessageBatch']);
      expect(ledger.sent).toEqual([]);
    } finally {
      sqsMock.reset();
    }
  });
});
