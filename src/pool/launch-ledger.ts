import { pauseSchema, type PoolPause } from './pause.js';

/**
 * The launch ledger: launches written down BEFORE their RunInstances is sent (write-ahead), so a
 * launch whose answer was lost, garbled or not yet visible in a listing is still counted against the
 * caps. Each intent carries the ClientToken its RunInstances is sent with (EC2's idempotency: the
 * same token with the same parameters returns the same instances instead of launching again).
 *
 * Where the ledger lives is a store: a file in the state directory (one scheduler per pool), or an
 * S3 object written only by conditional PUT (several schedulers). Both are read and written the same
 * way: read with a version, write only if the version is unchanged, else read again.
 */
export interface LaunchIntent {
  /** The RunInstances ClientToken (at most 64 ASCII characters). */
  token: string;
  /** The scheduler that wrote it (its id, persisted in its state directory). */
  scheduler: string;
  /** When it was written (ms); also the state-since tag of its instances. */
  at: number;
  /** MaxCount of its RunInstances (TotalTargetCapacity of its CreateFleet): what it may have launched while its outcome is unknown. */
  count: number;
  /** The offer (market:type@subnet) it was sent for; for a CreateFleet, `fleet:<market>:<offer>,<offer>,…`. */
  offer: string;
  /** The instances it launched; null while the outcome is unknown. */
  instanceIds: string[] | null;
}

export interface IntentStore {
  /** For messages: "the ledger file …", "s3://bucket/key". */
  readonly where: string;
  /** The intents and a version to write against (null: the ledger does not exist yet). */
  load(): Promise<{ intents: LaunchIntent[]; version: string | null }>;
  /** Writes `intents` only if the ledger is still at `version`; false when someone wrote in between. */
  save(intents: LaunchIntent[], version: string | null): Promise<boolean>;
}

/** How many times a conflicting write is retried (re-read, re-decided) before the launch gives up. */
export const LEDGER_ATTEMPTS = 5;

/** An intent counts until its launch timeout; past it, its instances (if any ever show) are `launching` past the timeout and terminated by the decision. */
export function isExpired(intent: LaunchIntent, now: number, launchTimeoutMs: number): boolean {
  return now - intent.at > launchTimeoutMs;
}

/**
 * Instances the ledger says were (or may have been) launched and that this listing does not show:
 * each known id not listed, and the whole MaxCount of an intent whose outcome is unknown. Pure.
 */
export function unlistedLaunches(intents: readonly LaunchIntent[], listed: ReadonlySet<string>, now: number, launchTimeoutMs: number): number {
  let n = 0;
  for (const i of intents) {
    if (isExpired(i, now, launchTimeoutMs)) continue;
    n += i.instanceIds === null ? i.count : i.instanceIds.filter((id) => !listed.has(id)).length;
  }
  return n;
}

/** The intents worth keeping: those not past their launch timeout. */
export function prune(intents: readonly LaunchIntent[], now: number, launchTimeoutMs: number): LaunchIntent[] {
  return intents.filter((i) => !isExpired(i, now, launchTimeoutMs));
}

/**
 * Read, change, write-if-unchanged, up to LEDGER_ATTEMPTS times. `change` sees the current intents
 * and returns the new list, or null to write nothing (no room left, nothing to do). Returns what
 * was written (or null). Throws after LEDGER_ATTEMPTS conflicts in a row: never acts on a stale read.
 */
export async function changeLedger(store: IntentStore, change: (intents: LaunchIntent[]) => LaunchIntent[] | null): Promise<LaunchIntent[] | null> {
  for (let attempt = 1; attempt <= LEDGER_ATTEMPTS; attempt += 1) {
    const { intents, version } = await store.load();
    const next = change(intents);
    if (next === null) return null;
    if (await store.save(next, version)) return next;
  }
  throw new Error(`the launch ledger ${store.where} changed under ${LEDGER_ATTEMPTS} writes in a row (another scheduler is writing it): nothing launched this tick`);
}

/**
 * The ledger document, in a file or an S3 object. The shared (S3) one also holds the pool's pause
 * (pause.ts), so every scheduler of the pool reads it where it reads the launches; it is written
 * only when set, and every write carries the pause it was read with.
 */
export function serializeLedger(pool: string, intents: readonly LaunchIntent[], pause: PoolPause | null = null): string {
  return `${JSON.stringify({ version: 1, pool, intents, ...(pause ? { pause } : {}) }, null, 2)}\n`;
}

/** The launches and the pause of a ledger document; throws as parseLedger does (a pause that is not understood too). */
export function parseLedgerDocument(text: string, where: string): { intents: LaunchIntent[]; pause: PoolPause | null } {
  const intents = parseLedger(text, where);
  const pause = (JSON.parse(text) as { pause?: unknown }).pause;
  if (pause === undefined || pause === null) return { intents, pause: null };
  const parsed = pauseSchema.safeParse(pause);
  if (!parsed.success) throw new Error(`the pause in ${where} is not understood: launches stop until it is repaired or removed`);
  return { intents, pause: parsed.data };
}

/** Parses a ledger document; throws an Error saying what is wrong (a ledger that cannot be read stops launches: its launches cannot be counted). */
export function parseLedger(text: string, where: string): LaunchIntent[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the launch ledger ${where} is not valid JSON: launches stop until it is repaired or removed`);
  }
  const doc = json as { version?: unknown; intents?: unknown };
  if (doc === null || typeof doc !== 'object' || doc.version !== 1 || !Array.isArray(doc.intents) || !doc.intents.every(isIntent)) {
    throw new Error(`the launch ledger ${where} is not understood: launches stop until it is repaired or removed`);
  }
  return doc.intents;
}

function isIntent(v: unknown): v is LaunchIntent {
  const i = v as Partial<LaunchIntent>;
  return (
    i !== null &&
    typeof i === 'object' &&
    typeof i.token === 'string' &&
    typeof i.scheduler === 'string' &&
    Number.isFinite(i.at) &&
    Number.isInteger(i.count) &&
    typeof i.offer === 'string' &&
    (i.instanceIds === null || (Array.isArray(i.instanceIds) && i.instanceIds.every((id) => typeof id === 'string')))
  );
}

/** A ledger kept in memory for the life of one backend (tests, and a backend built without a store). */
export function memoryIntentStore(): IntentStore {
  let intents: LaunchIntent[] = [];
  let version = 0;
  return {
    where: 'in memory',
    load: () => Promise.resolve({ intents: intents.map((i) => ({ ...i })), version: String(version) }),
    save(next, v) {
      if (v !== String(version)) return Promise.resolve(false);
      intents = next.map((i) => ({ ...i }));
      version += 1;
      return Promise.resolve(true);
    },
  };
}
