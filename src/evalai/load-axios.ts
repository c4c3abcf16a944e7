import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import type { AxiosStatic } from 'axios';

/** Globals axios probes at load for features this client never uses (see loadAxios). */
export const UNUSED_WEB_GLOBALS = ['fetch', 'Request', 'Response', 'FormData', 'ReadableStream'] as const;

/**
 * axios's single-file CommonJS build: its ESM entry is some 50 modules, and loading them costs a
 * run about 50 ms of CPU at every start (every cron tick); the API is the same.
 *
 * It is evaluated here as Node's CommonJS loader would (the same wrapper), except that it sees no
 * `fetch`, `Request`, `Response`, `FormData` or `ReadableStream`. axios probes them as it loads,
 * for its fetch adapter (this client sends through Node's http: `adapter: 'http'` in transport.ts)
 * and for an instanceof test of FormData (this client sends forms as strings). In Node the first
 * touch of any of the first four loads undici (on Node 24 even a look at their property descriptors
 * does), and of the fifth the web streams. Measured on a whole run (issue 13): 10 to 20 ms less CPU
 * at every start on Node 20 and 24, and 4 MiB less RSS on Node 20. The process's globals are never
 * changed, not even for a moment: axios gets a view of them without those five names.
 */
export function loadAxios(): AxiosStatic {
  const require = createRequire(import.meta.url);
  const filename = require.resolve('axios');
  // Every other name is found on globalThis, through the prototype chain. (Not a Proxy: after its
  // get trap, V8 reads the target's own descriptor of the name, which is the very touch to avoid.)
  const view: unknown = Object.create(globalThis, Object.fromEntries(UNUSED_WEB_GLOBALS.map((name) => [name, { value: undefined }])));
  const params = ['exports', 'require', 'module', '__filename', '__dirname', 'globalThis', ...UNUSED_WEB_GLOBALS];
  const evaluate = compileFunction(readFileSync(filename, 'utf8'), params, { filename }) as (...args: unknown[]) => void;
  const module = { exports: {} as unknown };
  evaluate.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename), view, ...UNUSED_WEB_GLOBALS.map(() => undefined));
  return module.exports as AxiosStatic;
}
