import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TRANSPORT = new URL('../../dist/evalai/transport.js', import.meta.url).href;
const NAMES = ['fetch', 'Request', 'Response', 'FormData', 'ReadableStream'];

/** Runs `body` (ESM) in a fresh Node process and returns what it printed, as JSON. */
function inFreshNode(body: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', body], { encoding: 'utf8', cwd: ROOT });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("loading the EvalAI transport: axios's fetch probe loads neither undici nor the web streams (docs/performance.md)", () => {
  it('nothing of fetch is loaded, and afterwards every global axios was kept from seeing is there and works', () => {
    const r = inFreshNode(`
      const { Transport } = await import(${JSON.stringify(TRANSPORT)});
      const loaded = process.moduleLoadList.filter((m) => /undici|webstreams\\/readablestream/.test(m));
      // Read only now: a look at them before could load what this test says was not loaded.
      const after = Object.fromEntries(${JSON.stringify(NAMES)}.map((n) => [n, typeof globalThis[n]]));
      const response = new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
      process.stdout.write(JSON.stringify({ loaded, after, transport: typeof Transport, body: await response.json(), form: new FormData() instanceof FormData }));
    `);
    expect(r.loaded).toEqual([]);
    expect(r.after).toEqual(Object.fromEntries(NAMES.map((n) => [n, 'function'])));
    expect(r).toMatchObject({ transport: 'function', body: { ok: true }, form: true });
  });
});
