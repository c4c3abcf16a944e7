import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOOK = fileURLToPath(new URL('./fixtures/record-loads.mjs', import.meta.url));
const run = promisify(execFile);

/** Runs a built bin and returns the module URLs it loaded (node_modules packages and dist/ files). */
async function modulesLoaded(bin: string, args: string[]): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'loads-')), 'loads.txt');
  writeFileSync(file, '');
  await run(process.execPath, ['--import', HOOK, join(ROOT, 'bin', `${bin}.js`), ...args], {
    env: { PATH: process.env.PATH, RECORD_LOADS_FILE: file },
  }).catch((err: { code?: number }) => {
    if (err.code !== 2) throw err; // a usage error exits 2: expected for the bad flag
  });
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

// What the run path needs and --help does not: schemas, HTTP, AWS, logging, metrics, dates, the runners.
const HEAVY = /node_modules\/(zod|axios|@aws-sdk|pino|prom-client|luxon|p-limit)\/|dist\/(core|evalai|aws|metrics|commands|pool|sandbox)\/|dist\/cli\/run-(command|shell)\.js/;

describe('--help and usage errors load only the command line', () => {
  const bins = ['scale-workers', 'scale-ec2', 'scale-eks', 'cancel-stale', 'stop-idle', 'scale-pool', 'evalai-autoscaler'];
  it.each(bins)('%s --help loads none of the run path', { timeout: 30_000 }, async (bin) => {
    const loaded = await modulesLoaded(bin, ['--help']);
    expect(loaded.some((u) => u.endsWith('dist/cli/program.js'))).toBe(true); // the hook did record
    expect(loaded.filter((u) => HEAVY.test(u))).toEqual([]);
  });

  it('a usage error loads none of the run path, and only its own command', { timeout: 30_000 }, async () => {
    const loaded = await modulesLoaded('scale-workers', ['--no-such-flag']);
    expect(loaded.filter((u) => HEAVY.test(u))).toEqual([]);
    expect(loaded.filter((u) => /dist\/cli\/commands\//.test(u)).map((u) => u.replace(/.*\//, ''))).toEqual(['scale-workers.js']);
  });
});
