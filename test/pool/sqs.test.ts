import { GetQueueAttributesCommand, SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { getQueueDepth, queueName } from '../../src/aws/sqs.js';
import { sqsDemandSource } from '../../src/pool/demand/sqs.js';
import '../aws/helpers.js';

const sqsMock = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/training-queue';
const sqsError = (code: string, message = `${code} message`) => new SQSServiceException({ name: code, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });

beforeEach(() => sqsMock.reset());
afterAll(() => sqsMock.restore());

const answer = (visible: string, notVisible: string) =>
  sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: visible, ApproximateNumberOfMessagesNotVisible: notVisible } });

describe('getQueueDepth', () => {
  it('asks GetQueueAttributes for exactly the two depth counters of this queue', async () => {
    answer('12', '3');
    expect(await getQueueDepth(client, QUEUE)).toEqual({ visible: 12, notVisible: 3 });
    expect(sqsMock.commandCalls(GetQueueAttributesCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: QUEUE, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] },
    ]);
  });

  it('a missing counter is an error, not 0', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '4' } });
    await expect(getQueueDepth(client, QUEUE)).rejects.toThrow('SQS GetQueueAttributes: queue training-queue: ApproximateNumberOfMessagesNotVisible is missing, not a count');
  });

  it('a counter that is not a count is an error', async () => {
    answer('lots', '0');
    await expect(getQueueDepth(client, QUEUE)).rejects.toThrow('ApproximateNumberOfMessages is "lots", not a count');
  });

  it('an unknown queue says so', async () => {
    sqsMock.on(GetQueueAttributesCommand).rejects(sqsError('QueueDoesNotExist', 'The specified queue does not exist.'));
    await expect(getQueueDepth(client, QUEUE)).rejects.toMatchObject({ kind: 'not-found', message: 'SQS GetQueueAttributes: queue training-queue: no such queue (check the queue URL and the region)' });
  });

  it('throttling is the shared soft AWS error', async () => {
    sqsMock.on(GetQueueAttributesCommand).rejects(sqsError('ThrottlingException'));
    await expect(getQueueDepth(client, QUEUE)).rejects.toMatchObject({ kind: 'throttled', soft: true });
  });

  it('queueName is the last part of the URL', () => {
    expect(queueName(QUEUE)).toBe('training-queue');
    expect(queueName(`${QUEUE}/`)).toBe('training-queue');
  });
});

describe('the sqs demand source', () => {
  it('n = messages waiting + messages in flight', async () => {
    answer('10', '4');
    expect(await sqsDemandSource(client, { queueUrl: QUEUE, countInFlight: true }).read()).toEqual({ known: true, n: 14, queued: 10, inFlight: 4, source: 'sqs training-queue' });
  });

  it('with countInFlight off, n = messages waiting; in flight is still reported (busy hosts)', async () => {
    answer('10', '4');
    expect(await sqsDemandSource(client, { queueUrl: QUEUE, countInFlight: false }).read()).toEqual({ known: true, n: 10, queued: 10, inFlight: 4, source: 'sqs training-queue' });
  });

  it('an empty queue is a known 0', async () => {
    answer('0', '0');
    expect(await sqsDemandSource(client, { queueUrl: QUEUE, countInFlight: true }).read()).toMatchObject({ known: true, n: 0 });
  });

  it('an error is an unknown demand with the reason, never 0', async () => {
    sqsMock.on(GetQueueAttributesCommand).rejects(sqsError('AccessDenied', 'not allowed'));
    const d = await sqsDemandSource(client, { queueUrl: QUEUE, countInFlight: true }).read();
    expect(d).toEqual({ known: false, reason: expect.stringMatching(/^SQS GetQueueAttributes: queue training-queue: access denied/), source: 'sqs training-queue' });
  });
});
