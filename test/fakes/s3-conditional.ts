import { GetObjectCommand, PutObjectCommand, S3ServiceException, type GetObjectCommandInput, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** S3 with conditional writes as AWS documents them: If-None-Match "*" and If-Match <etag>, else 412. */
export class S3Fake {
  readonly objects = new Map<string, { body: string; etag: string }>();
  conflicts = 0;
  private seq = 0;

  install(mock: AwsClientStub<S3Client>): void {
    mock.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
      const o = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!o) return Promise.reject(new S3ServiceException({ name: 'NoSuchKey', $fault: 'client', $metadata: { httpStatusCode: 404 }, message: 'The specified key does not exist.' }));
      return Promise.resolve({ Body: { transformToString: () => Promise.resolve(o.body) }, ETag: o.etag, ContentLength: o.body.length });
    });
    mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      const key = `${input.Bucket}/${input.Key}`;
      const o = this.objects.get(key);
      const refused = (input.IfNoneMatch === '*' && o !== undefined) || (input.IfMatch !== undefined && o?.etag !== input.IfMatch);
      if (refused) {
        this.conflicts += 1;
        return Promise.reject(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' }));
      }
      this.seq += 1;
      const etag = `"etag-${this.seq}"`;
      this.objects.set(key, { body: String(input.Body), etag });
      return Promise.resolve({ ETag: etag });
    });
  }
}
