import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runBin, type BinResult } from './harness.js';

// The compile cache of a bin's run (src/runtime/compile-cache.ts): where it is kept, that a run
// with it does what a run without it does, and that an unsafe or garbled cache is never used.
// On Node 22.1+ Node's own cache writes the entries (its own format); the checks below hold for both.

let dir: string;
let tmp: string;
let config: string;
const uid = process.getuid?.() ?? 'user';
const cacheRoot = (): string => join(tmp, `evalai-autoscaler-compile-cache-${uid}`);
const cacheDir = (): string => join(cacheRoot(), process.version);
const entries = (): string[] => (existsSync(cacheDir()) ? readdirSync(cacheDir(), { recursive: true }).map(String).filter((f) => statSync(join(cacheDir(), f)).isFile()) : []);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'compile-cache-'));
  tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  config = join(dir, 'pool.json');
  writeFileSync(config, JSON.stringify({ pools: [{
    name: 'ec2pool',
    demand: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' },
    backend: { type: 'ec2', region: 'us-east-1', launchTemplate: { name: 'lt' } },
    policy: { minHosts: 0, maxHosts: 3 },
  }] }));
});

/** An EC2 pool whose cloud does not answer: the run loads the AWS SDK, builds its clients and fails to observe (exit 3). */
function run(env: Record<string, string> = {}): Promise<BinResult> {
  return runBin('scale-pool', ['run', '--config', config, '--timeout', '2s', '--json'], {
    EVALAI_AUTOSCALER_STATE_DIR: join(dir, 'state'),
    TMPDIR: tmp,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_MAX_ATTEMPTS: '1',
    ...env,
  });
}

/** What a user sees of a run, without its times. */
function outcome(r: BinResult): unknown {
  const report = JSON.parse(r.stdout) as { exitCode: number; errors: string[]; pools: { pool: string; errors: string[] }[] };
  return { code: r.code, exitCode: report.exitCode, errors: report.errors, pools: report.pools.map((p) => ({ pool: p.pool, errors: p.errors })) };
}

describe('the compile cache of a run', () => {
  it('is written to a private directory under the temporary directory, and a run using it ends as a run without it', async () => {
    const first = await run();
    expect(first.code).toBe(3);
    expect(entries().length).toBeGreaterThan(0);
    for (const d of [cacheRoot(), cacheDir()]) expect(statSync(d).mode & 0o777).toBe(0o700);
    const second = await run();
    expect(outcome(second)).toEqual(outcome(first));
    const without = await run({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(outcome(without)).toEqual(outcome(first));
  });

  it('is not used when NODE_DISABLE_COMPILE_CACHE is set', async () => {
    const r = await run({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.code).toBe(3);
    expect(existsSync(cacheRoot())).toBe(false);
  });

  it('is not used when its directory is writable by others (another user could plant code in it): the run goes on', async () => {
    mkdirSync(cacheRoot(), { mode: 0o777 });
    chmodSync(cacheRoot(), 0o777);
    const r = await run();
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ pools: [{ pool: 'ec2pool' }] });
    expect(entries()).toEqual([]);
  });

  it('is not used when it cannot be made (its place is a file): the run goes on', async () => {
    writeFileSync(cacheRoot(), 'not a directory');
    const r = await run();
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ pools: [{ pool: 'ec2pool' }] });
  });

  it('garbled entries are compiled anew and replaced, the run unchanged', async () => {
    const first = await run();
    const names = entries();
    expect(names.length).toBeGreaterThan(0);
    // Each entry's head kept (where it says which source it is for), the rest garbage.
    const garbled = new Map(names.map((f) => [f, Buffer.concat([readFileSync(join(cacheDir(), f)).subarray(0, 32), Buffer.from('garbled: not V8 code '.repeat(50))])]));
    for (const [f, bytes] of garbled) writeFileSync(join(cacheDir(), f), bytes);
    const second = await run();
    expect(outcome(second)).toEqual(outcome(first));
    const rewritten = names.filter((f) => !readFileSync(join(cacheDir(), f)).equals(garbled.get(f)!));
    expect(rewritten.length).toBeGreaterThan(0);
  });
});
