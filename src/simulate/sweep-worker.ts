import { parentPort, workerData } from 'node:worker_threads';
import type { Setting } from './settings.js';
import { runner, unpackTrace, type SweepInput } from './sweep.js';

/** A sweep's worker thread: runs the settings it is sent, one at a time, and answers each one's figures. */
const data = workerData as { kind: SweepInput['kind']; trace: Parameters<typeof unpackTrace>[0]; bootMs: number; base?: SweepInput['base'] };
const run = runner({ kind: data.kind, trace: unpackTrace(data.trace), bootMs: data.bootMs, ...(data.base ? { base: data.base } : {}) });
parentPort!.on('message', (m: { i: number; setting: Setting }) => {
  try {
    parentPort!.postMessage({ i: m.i, figures: run(m.setting) });
  } catch (err) {
    parentPort!.postMessage({ i: m.i, error: err instanceof Error ? err.message : String(err) });
  }
});
