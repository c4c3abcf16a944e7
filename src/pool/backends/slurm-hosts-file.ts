import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomically } from '../../runtime/atomic-file.js';
import { dirname } from 'node:path';
import { isHostState, type HostState } from '../states.js';

/**
 * Where a SLURM pool keeps each job's host state and the time it entered it (EC2 keeps them as
 * tags; a SLURM job has nowhere a user can write after sbatch). A JSON file on the login node:
 * {"jobs": {"<job id>": {"state": "draining", "since": 1764417600000}}}. It is read leniently: a
 * missing or broken file only means every job of the pool is adopted again (running as ready,
 * pending as launching), as the state machine does with an EC2 orphan.
 */
export interface HostRecord {
  state: HostState;
  since: number;
  /** When sbatch returned this id (a job the pool submitted itself). */
  submitted?: number;
  /** When a listing last showed the job; absent for a job submitted and never listed yet. */
  seenAt?: number;
  /** The SLURM state that listing showed (PENDING, RUNNING, …). */
  slurm?: string;
  /** The worker type sbatch submitted it as (a job not listed yet still counts against its type's maxWorkers). */
  type?: string;
  /** Listings in a row (and since when) that did not show the job. */
  misses?: number;
  missingSince?: number;
}

export type HostRecords = Map<string, HostRecord>;

export function readHostRecords(path: string): { records: HostRecords; warning?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return { records: new Map() };
    return { records: new Map(), warning: `${path}: cannot read (${(err as Error).message}): every job is adopted again` };
  }
  try {
    const json = JSON.parse(text) as { jobs?: Record<string, Record<string, unknown>> };
    const records: HostRecords = new Map();
    for (const [id, r] of Object.entries(json.jobs ?? {})) {
      if (!isHostState(r.state) || typeof r.since !== 'number') continue;
      const record: HostRecord = { state: r.state, since: r.since };
      for (const key of ['submitted', 'seenAt', 'misses', 'missingSince'] as const) if (typeof r[key] === 'number') record[key] = r[key];
      if (typeof r.slurm === 'string') record.slurm = r.slurm;
      if (typeof r.type === 'string') record.type = r.type;
      records.set(id, record);
    }
    return { records };
  } catch {
    return { records: new Map(), warning: `${path}: not JSON: every job is adopted again` };
  }
}

/** Written whole to a temporary file, then renamed over the old one. */
export function writeHostRecords(path: string, records: HostRecords): void {
  mkdirSync(dirname(path), { recursive: true });
  const jobs = Object.fromEntries([...records.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
  writeFileAtomically(path, `${JSON.stringify({ jobs }, null, 1)}\n`);
}
