import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { isAwsError } from '../../src/aws/errors.js';
import { putObjectIf, readObject } from '../../src/aws/s3.js';
import { Secrets } from '../../src/runtime/secrets.js';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
const s3Error = (name: string, status: number) => new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

beforeEach(() => s3Mock.reset());
afterAll(() => s3Mock.restore());

describe('the S3 ledger object', () => {
  it('readObject: the body and its ETag; a missing key is null; another error is an AwsError naming the object', async () => {
    s3Mock.on(GetObjectCommand).resolvesOnce({ Body: { transformToString: () => Promise.resolve('{"a":1}') } as never, ETag: '"e1"' }).rejectsOnce(s3Error('NoSuchKey', 404)).rejectsOnce(s3Error('AccessDenied', 403));
    expect(await readObject(s3, 'b', 'k')).toEqual({ body: '{"a":1}', etag: '"e1"' });
    expect(await readObject(s3, 'b', 'k')).toBeNull();
    const err = await readObject(s3, 'b', 'k').catch((e: unknown) => e);
    expect(isAwsError(err, 'access-denied')).toBe(true);
    expect(String(err)).toMatch(/S3 GetObject: s3:\/\/b\/k: access denied/);
  });

  it('putObjectIf: If-None-Match * to create, If-Match to replace; 412 and 409 are "someone wrote first"', async () => {
    s3Mock.on(PutObjectCommand).resolvesOnce({}).resolvesOnce({}).rejectsOnce(s3Error('PreconditionFailed', 412)).rejectsOnce(s3Error('ConditionalRequestConflict', 409)).rejectsOnce(s3Error('AccessDenied', 403));
    expect(await putObjectIf(s3, 'b', 'k', 'x', null)).toBe(true);
    expect(await putObjectIf(s3, 'b', 'k', 'y', '"e1"')).toBe(true);
    expect(await putObjectIf(s3, 'b', 'k', 'z', '"e1"')).toBe(false);
    expect(await putObjectIf(s3, 'b', 'k', 'z', '"e1"')).toBe(false);
    await expect(putObjectIf(s3, 'b', 'k', 'z', '"e1"')).rejects.toThrow(/S3 PutObject: s3:\/\/b\/k: access denied/);
    const inputs = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ Bucket: 'b', Key: 'k', Body: 'x', IfNoneMatch: '*' });
    expect(inputs[0]!.IfMatch).toBeUndefined();
    expect(inputs[1]).toMatchObject({ Body: 'y', IfMatch: '"e1"' });
    expect(inputs[1]!.IfNoneMatch).toBeUndefined();
  });

  it('AwsClients.s3(): built on first use and reused', async () => {
    const aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
    const a = await aws.s3('us-east-1');
    expect(await aws.s3('us-east-1')).toBe(a);
    expect(aws.size).toBe(1);
    aws.destroy();
  });

  it('@aws-sdk/client-s3 is never imported statically by the code (a run without coordination does not load it)', () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk('src');
    const static_ = files.filter((f) => /^import (?!type )[^;]*from '@aws-sdk\/client-s3'/m.test(readFileSync(f, 'utf8')));
    expect(static_).toEqual([]);
    // It is required through aws/sdk.ts, inside the functions that send to S3, never at a module's top level
    // (test/integration/scale-pool-loads-bin.test.ts: an EC2 pool without coordination loads only client-ec2 and client-sqs).
    const callers = files.filter((f) => readFileSync(f, 'utf8').includes('s3Sdk()'));
    expect(callers.sort()).toEqual([join('src', 'aws', 'clients.ts'), join('src', 'aws', 's3.ts')]);
    for (const f of callers) expect(readFileSync(f, 'utf8')).not.toMatch(/^\S[^\n]*s3Sdk\(\)/m);
  });
});
