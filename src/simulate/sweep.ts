import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PoolPolicy } from '../pool/policy.js';
import { ConfigError } from '../runtime/errors.js';
import { TickTimes } from './model.js';
import { byChallenge, capacityMs, runPoolSetting, runWorkerSetting, type Figures } from './run-setting.js';
import { changedKnobs, KNOBS, withKnob, type Kind, type Knob, type Setting } from './settings.js';
import type { TraceSubmission } from './trace.js';

/** The values each knob takes in a sweep unless `--grid knob=v1,v2,...` says otherwise. */
export const DEFAULT_GRID: Record<Kind, Partial<Record<Knob, string[]>>> = {
  pool: {
    headroom: ['2sqrt', 'sqrt', 'none', '1', '2'],
    'scale-down-delay': ['0', '2m', '5m', '10m', '15m', '30m'],
    'min-uptime': ['0', '10m', '30m'],
    interval: ['1m', '2m', '5m'],
  },
  workers: {
    'scale-down-delay': ['0', '2m', '5m', '10m', '15m', '30m', '60m'],
    'min-uptime': ['0', '5m', '15m'],
    interval: ['1m', '2m', '5m', '10m'],
  },
};

/**
 * The settings a sweep runs: the configured one first, then every combination of the grid's values
 * (the default grid, with each `--grid knob=v1,v2` replacing that knob's values; a knob not in the
 * grid keeps its configured value: jobs per host is swept only when `--grid jobs-per-host=...` asks).
 * Combinations equal to the configured setting are not repeated.
 */
export function sweepGrid(kind: Kind, configured: Setting, overrides: readonly string[] = []): { settings: Setting[]; values: Partial<Record<Knob, string[]>> } {
  const values: Partial<Record<Knob, string[]>> = { ...DEFAULT_GRID[kind] };
  for (const text of overrides) {
    const eq = text.indexOf('=');
    if (eq < 0) throw new ConfigError(`--grid: "${text}": expected knob=v1,v2,... (e.g. interval=1m,5m)`);
    const knob = text.slice(0, eq).trim() as Knob;
    const list = text.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean);
    if (list.length === 0) throw new ConfigError(`--grid: "${text}": no value`);
    for (const v of list) withKnob(configured, knob, v, kind, '--grid'); // validates the knob and each value
    values[knob] = list;
  }
  let settings: Setting[] = [configured];
  for (const knob of KNOBS[kind]) {
    const list = values[knob];
    if (!list) continue;
    settings = settings.flatMap((s) => list.map((v) => withKnob(s, knob, v, kind, '--grid')));
  }
  const rest = settings.filter((s) => changedKnobs(configured, s, kind).length > 0);
  return { settings: [configured, ...rest], values };
}

/** What a sweep runs on: the trace, the kind, the configured pool policy (pools), the boot time. */
export interface SweepInput {
  kind: Kind;
  trace: readonly TraceSubmission[];
  bootMs: number;
  /** The pool's policy as configured (its bounds, launches per tick, timeouts stay as they are). */
  base?: PoolPolicy;
}

export interface SweepRow {
  setting: Setting;
  figures: Figures;
  /** Host-hours (pools) or worker-hours, hosts still up counted to the common end. */
  hours: number;
}

/** Runs one setting; the same function in this thread and in each worker thread. */
export function runner(input: SweepInput): (s: Setting) => Figures {
  const t0 = Math.floor(input.trace[0]!.arrivalMs / 60_000) * 60_000;
  if (input.kind === 'pool') return (s) => runPoolSetting(input.trace, input.base!, s, t0, input.bootMs).figures;
  const groups = byChallenge(input.trace);
  const times = new Map<number, TickTimes>();
  return (s) => {
    let tt = times.get(s.intervalMs);
    if (!tt) times.set(s.intervalMs, (tt = new TickTimes({ t0, intervalMs: s.intervalMs, bootMs: input.bootMs })));
    return runWorkerSetting(groups, s, t0, input.bootMs, tt).figures;
  };
}

/** The trace as three columns, cheap to hand to a worker thread. */
export function packTrace(trace: readonly TraceSubmission[]): { challenge: Float64Array; arrival: Float64Array; duration: Float64Array } {
  return { challenge: Float64Array.from(trace, (s) => s.challenge), arrival: Float64Array.from(trace, (s) => s.arrivalMs), duration: Float64Array.from(trace, (s) => s.durationMs) };
}

export function unpackTrace(p: ReturnType<typeof packTrace>): TraceSubmission[] {
  return Array.from(p.challenge, (c, i) => ({ challenge: c, arrivalMs: p.arrival[i]!, durationMs: p.duration[i]! }));
}

const WORKER_FILE = new URL('./sweep-worker.js', import.meta.url);

/** Threads a sweep uses by default: every core there is (os.availableParallelism), at most one per setting. */
export function defaultThreads(): number {
  return availableParallelism();
}

/**
 * Runs every setting, on `threads` worker threads (each takes the next setting when it is done), or
 * in this thread when `threads` is 1 or the compiled worker is not there (running from the sources).
 * `progress(done, total)` is called after each setting. Rows come back in the settings' order; the
 * hours count hosts still up at the end until the latest end of all settings (a common end).
 */
export async function runSweep(input: SweepInput, settings: readonly Setting[], threads: number, progress?: (done: number, total: number) => void): Promise<SweepRow[]> {
  const figures: Figures[] = new Array(settings.length);
  const n = Math.max(1, Math.min(threads, settings.length));
  if (n === 1 || !existsSync(fileURLToPath(WORKER_FILE))) {
    const run = runner(input);
    settings.forEach((s, i) => {
      figures[i] = run(s);
      progress?.(i + 1, settings.length);
    });
  } else {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      const workers: Worker[] = [];
      const fail = (err: unknown): void => {
        for (const w of workers) void w.terminate();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      const feed = (w: Worker): void => {
        if (next < settings.length) {
          const i = next++;
          w.postMessage({ i, setting: settings[i] });
        } else void w.terminate();
      };
      const workerData = { kind: input.kind, trace: packTrace(input.trace), bootMs: input.bootMs, base: input.base };
      for (let k = 0; k < n; k++) {
        const w = new Worker(WORKER_FILE, { workerData });
        workers.push(w);
        w.on('message', (m: { i: number; figures?: Figures; error?: string }) => {
          if (m.error !== undefined) return fail(new Error(m.error));
          figures[m.i] = m.figures!;
          done++;
          progress?.(done, settings.length);
          if (done === settings.length) {
            for (const x of workers) void x.terminate();
            resolve();
          } else feed(w);
        });
        w.on('error', fail);
        feed(w);
      }
    });
  }
  const end = Math.max(...figures.map((f) => f.settledAt));
  return settings.map((setting, i) => ({ setting, figures: figures[i]!, hours: capacityMs(figures[i]!, end) / 3_600_000 }));
}
