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

const undiciLoaded = "process.moduleLoadList.some((m) => m.includes('undici'))";

describe("loading the EvalAI transport: axios's fetch probe does not load undici (docs/performance.md)", () => {
  it('every global axios probes is the same afterwards, and fetch still works as fetch', () => {
    const r = inFreshNode(`
      const names = ${JSON.stringify(NAMES)};
      // The values, read after the load: reading them first could load undici, which this test must not cause.
      await import(${JSON.stringify(TRANSPORT)});
      const after = Object.fromEntries(names.map((n) => [n, typeof globalThis[n]]));
      const { Transport } = await import(${JSON.stringify(TRANSPORT)});
      const response = new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
      process.stdout.write(JSON.stringify({ after, transport: typeof Transport, body: await response.json(), form: new FormData() instanceof FormData }));
    `);
    expect(r.after).toEqual(Object.fromEntries(NAMES.map((n) => [n, 'function'])));
    expect(r).toMatchObject({ body: { ok: true }, form: true });
  });

  // Where reading a lazy global's descriptor loads undici (Node 24), nothing can be saved: skipped there.
  const touchLoads = inFreshNode(`Object.getOwnPropertyDescriptor(globalThis, 'Request'); process.stdout.write(JSON.stringify({ loads: ${undiciLoaded} }));`).loads === true;
  it.skipIf(touchLoads)('undici is not loaded (skipped where a look at a lazy global loads it, as on Node 24)', () => {
    const r = inFreshNode(`await import(${JSON.stringify(TRANSPORT)}); process.stdout.write(JSON.stringify({ loaded: ${undiciLoaded} }));`);
    expect(r.loaded).toBe(false);
  });
});
