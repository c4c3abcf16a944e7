import { parseLedgerDocument, serializeLedger, type IntentStore, type LaunchIntent } from './launch-ledger.js';
import { describePause, type PauseStore, type PoolPause } from './pause.js';

/** Reading and conditionally writing one object (src/aws/s3.ts), as the store needs it. */
export interface VersionedObject {
  /** s3://bucket/key, for messages. */
  where: string;
  read(): Promise<{ body: string; etag: string } | null>;
  /** Writes only if the object is still at `etag` (null: does not exist yet); false if not. */
  write(body: string, etag: string | null): Promise<boolean>;
}

interface PoolDocument {
  intents: LaunchIntent[];
  pause: PoolPause | null;
}

/**
 * The shared object of one pool: its launch ledger and its pause, read with the ETag as the
 * version. Each store remembers the documents it read by version, so a write of the launches keeps
 * the pause it was read with, and a write of the pause keeps the launches: the write is conditional
 * on that version, so what it keeps is what the object holds.
 */
function s3Document(object: VersionedObject, pool: string) {
  const seen = new Map<string | null, PoolDocument>();
  const remember = (version: string | null, doc: PoolDocument): void => {
    seen.delete(version);
    seen.set(version, doc);
    if (seen.size > 8) seen.delete(seen.keys().next().value as string | null);
  };
  const load = async (): Promise<{ doc: PoolDocument; version: string | null }> => {
    const got = await object.read();
    const doc = got === null ? { intents: [], pause: null } : parseLedgerDocument(got.body, object.where);
    const version = got?.etag ?? null;
    remember(version, doc);
    return { doc, version };
  };
  return {
    load,
    /** The document at `version`: as read here, else read again; null when the object is no longer at it (the write is not made). */
    at: async (version: string | null): Promise<PoolDocument | null> => {
      if (!seen.has(version)) await load();
      return seen.get(version) ?? null;
    },
    save: (doc: PoolDocument, version: string | null) => object.write(serializeLedger(pool, doc.intents, doc.pause), version),
  };
}

/**
 * The launch ledger shared by several schedulers of one pool: an S3 object whose ETag is the
 * version. A write that lost the race (412/409) makes the caller read again and decide again.
 * While the object holds a pause, no new launch is admitted (a write adding an intent of unknown
 * outcome throws): a pause set by any scheduler stops a launch another one was about to send.
 * Recording what earlier launches did is still written.
 */
export function s3IntentStore(object: VersionedObject, pool: string): IntentStore {
  const document = s3Document(object, pool);
  return {
    where: object.where,
    async load() {
      const { doc, version } = await document.load();
      return { intents: doc.intents, version };
    },
    async save(intents: LaunchIntent[], version: string | null) {
      const before = await document.at(version);
      if (before === null) return false;
      if (before.pause) {
        const known = new Set(before.intents.map((i) => i.token));
        if (intents.some((i) => !known.has(i.token))) throw new Error(`pool ${pool} is ${describePause(before.pause)} (${object.where}): nothing launched`);
      }
      return document.save({ intents, pause: before.pause }, version);
    },
  };
}

/** The pause of a pool with backend.coordination: in its shared object, next to the launch ledger. */
export function s3PauseStore(object: VersionedObject, pool: string): PauseStore {
  const document = s3Document(object, pool);
  return {
    where: object.where,
    async load() {
      const { doc, version } = await document.load();
      return { pause: doc.pause, version };
    },
    async save(pause: PoolPause | null, version: string | null) {
      const before = await document.at(version);
      if (before === null) return false;
      return document.save({ intents: before.intents, pause }, version);
    },
  };
}
