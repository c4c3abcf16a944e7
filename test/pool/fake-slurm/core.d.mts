export interface FakeJob {
  id: string;
  name: string;
  comment: string;
  user: string;
  state: string;
  submit: number;
  start: number;
  end: number;
  timeLimit: number;
  nodes: string;
  script?: string;
  args?: string[];
}
export interface FakeCall {
  command: string;
  args: string[];
  stdin?: string;
  /** squeue: how many jobs it answered with. */
  listed?: number;
}
export interface FakeTable {
  now: number;
  seq: number;
  user: string;
  json: boolean;
  fail: Record<string, string>;
  /** { squeue: true }: the next squeue lists nothing. */
  empty?: Record<string, boolean>;
  /** squeue lists every user's jobs (a site wrapper that drops --user). */
  ignoreUser?: boolean;
  /** false: sacct says accounting storage is disabled. */
  accounting?: boolean;
  /** sbatch submits under this user instead of `user`. */
  submitAs?: string;
  /** Partitions sbatch --test-only accepts (default cpu, gpu). */
  partitions?: string[];
  /** { sbatch: path }: the executable writes `<path>.started` and waits until `path` exists. */
  hold?: Record<string, string>;
  /** Jobs squeue forgot (purged), which sacct still knows. */
  history?: FakeJob[];
  jobs: FakeJob[];
  calls: FakeCall[];
}
export function emptyTable(now: number, user: string): FakeTable;
export function timeLimitSeconds(text: string): number;
export function handle(table: FakeTable, command: string, args: readonly string[], stdin?: string, env?: Record<string, string>): { code: number; stdout: string; stderr: string };
