import { parseLedger, serializeLedger, type IntentStore, type LaunchIntent } from './launch-ledger.js';

/** Reading and conditionally writing one object (src/aws/s3.ts), as the store needs it. */
export interface VersionedObject {
  /** s3://bucket/key, for messages. */
  where: string;
  read(): Promise<{ body: string; etag: string } | null>;
  /** Writes only if the object is still at `etag` (null: does not exist yet); false if not. */
  write(body: string, etag: string | null): Promise<boolean>;
}

/**
 * The launch ledger shared by several schedulers of one pool: an S3 object whose ETag is the
 * version. A write that lost the race (412/409) makes the caller read again and decide again.
 */
export function s3IntentStore(object: VersionedObject, pool: string): IntentStore {
  return {
    where: object.where,
    async load() {
      const got = await object.read();
      return { intents: got === null ? [] : parseLedger(got.body, object.where), version: got?.etag ?? null };
    },
    save(intents: LaunchIntent[], version: string | null) {
      return object.write(serializeLedger(pool, intents), version);
    },
  };
}
