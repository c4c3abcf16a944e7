import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from '../runtime/atomic-file.js';
import { parseLedger, serializeLedger, type IntentStore, type LaunchIntent } from './launch-ledger.js';

/**
 * The launch ledger in a file of the state directory (one scheduler per pool). The version is a
 * digest of the content, so a write checks nothing changed since the read (the run lock already
 * keeps two runs of one state directory apart; this only keeps the store's contract).
 */
export function fileIntentStore(path: string, pool: string): IntentStore {
  const where = `file ${path}`;
  const read = (): string | null => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`the launch ledger ${where} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): nothing launched`);
    }
  };
  const digest = (text: string | null): string | null => (text === null ? null : createHash('sha256').update(text).digest('hex'));
  return {
    where,
    load() {
      const text = read();
      return Promise.resolve({ intents: text === null ? [] : parseLedger(text, where), version: digest(text) });
    },
    save(intents: LaunchIntent[], version: string | null) {
      if (digest(read()) !== version) return Promise.resolve(false);
      writeFileAtomically(path, serializeLedger(pool, intents), 0o600);
      return Promise.resolve(true);
    },
  };
}
