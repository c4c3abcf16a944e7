import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/lock-race-worker.mjs', import.meta.url));
const LOCK_MODULE = pathToFileURL(join(ROOT, 'dist/runtime/lock.js')).href;
const CONTENDERS = 4;
const ROUNDS = 60;

/** Runs CONTENDERS processes that each try the lock once per round, all released from one barrier. */
async function race(prepare: (roundDir: string) => void): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lock-race-'));
  for (let r = 0; r < ROUNDS; r++) {
    mkdirSync(join(dir, String(r)));
    prepare(join(dir, String(r)));
  }
  const codes = await Promise.all(
    Array.from({ length: CONTENDERS }, (_, i) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, [WORKER, LOCK_MODULE, dir, String(ROUNDS), String(i), String(CONTENDERS)], { stdio: 'inherit' });
        child.on('error', reject);
        child.on('close', resolve);
      }),
    ),
  );
  expect(codes).toEqual(Array(CONTENDERS).fill(0));
  return Array.from({ length: ROUNDS }, (_, r) => readdirSync(join(dir, String(r))).filter((n) => n.startsWith('won-')).length);
}

describe('the lock under a many-process race', () => {
  it(`a new lock: exactly one holder in each of ${ROUNDS} rounds of ${CONTENDERS} processes started together`, async () => {
    const winners = await race(() => undefined);
    expect(winners).toEqual(Array(ROUNDS).fill(1));
  });

  it(`a dead holder's lock: exactly one run takes it over in each of ${ROUNDS} rounds`, async () => {
    const winners = await race((roundDir) =>
      writeFileSync(
        join(roundDir, 'x.lock.0'),
        JSON.stringify({ pid: 999_999_999, host: hostname(), startedAt: new Date().toISOString(), staleAt: new Date(Date.now() + 600_000).toISOString(), nonce: 'dead' }),
      ),
    );
    expect(winners).toEqual(Array(ROUNDS).fill(1));
  });
});
