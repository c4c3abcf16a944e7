import { writeFileAtomically } from '../runtime/atomic-file.js';
import { readJsonFile } from '../runtime/json-file.js';
import { EMPTY_DEMAND_HISTORY, MAX_SAMPLES, type DemandHistory } from './demand-history.js';

/**
 * The demand history file: `{"v":1,"samples":[[seconds since the epoch, n], ...]}`, at most
 * MAX_SAMPLES samples (a bounded size on disk). Missing: empty. Unreadable or malformed: empty, with
 * a warning (the forecast is then "too short" until a day has been seen again).
 */
export function readDemandHistory(path: string): { history: DemandHistory; warning?: string } {
  const read = readJsonFile(path);
  if (!read.ok) return read.missing ? { history: EMPTY_DEMAND_HISTORY } : { history: EMPTY_DEMAND_HISTORY, warning: `${path}: ${read.problem}: starting a new demand history` };
  const j = read.json as { v?: unknown; samples?: unknown };
  const ok = j && j.v === 1 && Array.isArray(j.samples) && j.samples.every((x) => Array.isArray(x) && x.length === 2 && Number.isFinite(x[0]) && Number.isInteger(x[1]) && (x[1] as number) >= 0);
  if (!ok) return { history: EMPTY_DEMAND_HISTORY, warning: `${path}: not a demand history: starting a new one` };
  const samples = (j.samples as Array<[number, number]>).map(([s, n]) => [s * 1000, n] as [number, number]).slice(-MAX_SAMPLES);
  return { history: { samples } };
}

export function writeDemandHistory(path: string, h: DemandHistory): void {
  writeFileAtomically(path, JSON.stringify({ v: 1, samples: h.samples.map(([at, n]) => [Math.round(at / 1000), n]) }) + '\n', 0o600);
}
