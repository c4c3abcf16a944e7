import type { S3Client } from '@aws-sdk/client-s3';
import { toAwsError } from './errors.js';
import { s3Sdk } from './sdk.js';

/**
 * The S3 calls of scale-pool's coordination: one small JSON object read with its ETag and written
 * only by a conditional PUT (`If-Match: <etag>`, or `If-None-Match: *` to create it), as Terraform's
 * S3 backend locks state since 1.10. @aws-sdk/client-s3 is loaded here on first use only, so a run
 * without coordination never pays for it.
 */

/** A ledger object this large is not one the tool wrote. */
const MAX_OBJECT_BYTES = 1024 * 1024;

export interface ObjectVersion {
  body: string;
  etag: string;
}

/** The object and its ETag, or null when it does not exist. */
export async function readObject(client: S3Client, bucket: string, key: string): Promise<ObjectVersion | null> {
  const { GetObjectCommand } = s3Sdk(); // on first use only: aws/sdk.ts
  const where = `s3://${bucket}/${key}`;
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if ((out.ContentLength ?? 0) > MAX_OBJECT_BYTES) throw new Error(`${where} is ${out.ContentLength} bytes, more than the ${MAX_OBJECT_BYTES} a launch ledger can be`);
    const body = (await out.Body?.transformToString('utf8')) ?? '';
    if (!out.ETag) throw new Error(`S3 GetObject ${where} answered without an ETag: a conditional write cannot be made against it`);
    return { body, etag: out.ETag };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
    throw toAwsError(err, 'S3 GetObject', where);
  }
}

/**
 * PUT only if the object is still at `etag` (null: only if it does not exist). False when another
 * writer came first (412 PreconditionFailed, or 409 ConditionalRequestConflict for a concurrent
 * conditional write); any other failure throws.
 */
export async function putObjectIf(client: S3Client, bucket: string, key: string, body: string, etag: string | null): Promise<boolean> {
  const { PutObjectCommand } = s3Sdk();
  try {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json', ...(etag === null ? { IfNoneMatch: '*' } : { IfMatch: etag }) }),
    );
    return true;
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || e.$metadata?.httpStatusCode === 412 || e.$metadata?.httpStatusCode === 409) return false;
    throw toAwsError(err, 'S3 PutObject', `s3://${bucket}/${key}`);
  }
}
