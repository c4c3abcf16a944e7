import { CommandError, stderrSummary, type Exec } from '../../runtime/exec.js';

/**
 * sbatch, squeue and scancel as the SLURM backend calls them: the exact arguments, the parsing of
 * their output, nothing else. Every call goes through one `Exec` with the configured timeout and
 * command paths (a site may wrap the commands).
 */
export interface SlurmJob {
  id: string;
  name: string;
  comment: string;
  user?: string;
  /** The base state: PENDING, RUNNING, COMPLETING, CANCELLED, … */
  state: string;
  /** ms since the epoch, when known. */
  submitTime?: number;
  startTime?: number;
  endTime?: number;
  nodes?: string;
}

export interface SlurmCommandOptions {
  exec: Exec;
  paths: { sbatch: string; squeue: string; scancel: string; sacct?: string };
  timeoutMs: number;
  user: string;
  /**
   * The pool's job name: squeue is asked for the jobs of this name only (`--name`), so the user's
   * other jobs, however many, are filtered out by SLURM and never read here. Absent: all the user's jobs.
   */
  jobName?: string;
  squeueOutput: 'auto' | 'json' | 'format';
}

/** The fixed --format: id, name, state, submit, start, end, nodes, user, comment (the comment last: it may hold spaces). */
export const SQUEUE_FORMAT = '%i|%j|%T|%V|%S|%e|%N|%u|%k';

/** The states in which SLURM has ended a job for good (squeue lists them for MinJobAge, sacct for ever). */
export const FINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'SPECIAL_EXIT', 'REVOKED']);

/**
 * The runner, with a command that cannot be started explained: which `backend.commands` field
 * names it (cron's PATH is short, and a site may keep SLURM's commands elsewhere).
 */
function explained(exec: Exec, paths: Record<string, string | undefined>): Exec {
  return async (command, args, options) => {
    try {
      return await exec(command, args, options);
    } catch (err) {
      if (err instanceof CommandError && err.notStarted) {
        const field = Object.entries(paths).find(([, p]) => p === command)?.[0];
        const hint = command.includes('/') ? `check backend.commands.${field}` : `set backend.commands.${field} to its full path (\`command -v ${field}\` in a login shell), or PATH in the crontab`;
        if (field) throw new CommandError(`${err.message}; ${hint}`, command, null, '', true);
      }
      throw err;
    }
  };
}

/** squeue --json (Slurm 21.08+) or --format, sbatch --parsable, scancel. */
export function slurmCommands(options: SlurmCommandOptions) {
  const { paths, timeoutMs, user } = options;
  const exec = explained(options.exec, paths);
  // No --states: squeue's default states include a job that just ended (kept for MinJobAge), which the tracking reads.
  const filter = [`--user=${user}`, ...(options.jobName ? [`--name=${options.jobName}`] : [])];
  let output: 'json' | 'format' | 'auto' = options.squeueOutput;

  async function squeueJson(): Promise<SlurmJob[]> {
    const { stdout } = await exec(paths.squeue, ['--json', ...filter], { timeoutMs });
    return parseSqueueJson(stdout, user);
  }

  async function squeueFormat(): Promise<SlurmJob[]> {
    // Times as epoch seconds, whatever the site's locale.
    const { stdout } = await exec(paths.squeue, ['--noheader', ...filter, `--format=${SQUEUE_FORMAT}`], { timeoutMs, env: { SLURM_TIME_FORMAT: '%s' } });
    return parseSqueueFormat(stdout, user);
  }

  return {
    /** The user's jobs (of `jobName`, when given), as squeue shows them (the caller keeps only the pool's: an older squeue --json ignores filters). */
    async squeue(): Promise<SlurmJob[]> {
      if (output === 'format') return squeueFormat();
      if (output === 'json') return squeueJson();
      try {
        const jobs = await squeueJson();
        output = 'json';
        return jobs;
      } catch (err) {
        // An squeue without --json says so on stderr; anything else is a real failure.
        if (err instanceof CommandError && /unrecognized|invalid option|unknown option|illegal option|not supported|no data_parser|plugin/i.test(err.stderr)) {
          output = 'format';
          return squeueFormat();
        }
        throw err;
      }
    },

    /** Submits one job (the script on stdin); returns its id. */
    async sbatch(args: readonly string[], script: string): Promise<string> {
      const { stdout } = await exec(paths.sbatch, ['--parsable', ...args], { timeoutMs, input: script });
      const id = stdout.trim().split(/\r?\n/).pop()?.split(';')[0]?.trim() ?? '';
      if (!/^\d+(_\d+)?$/.test(id)) throw new CommandError(`sbatch --parsable: no job id in its output (${JSON.stringify(stdout.trim().slice(0, 100))})`, paths.sbatch, 0, '');
      return id;
    },

    /** `sbatch --test-only` with the same options and script: SLURM's answer (when and where it would start); throws what sbatch says otherwise. */
    async testOnly(args: readonly string[], script: string): Promise<string> {
      const { stdout, stderr } = await exec(paths.sbatch, ['--test-only', ...args], { timeoutMs, input: script });
      return stderrSummary(stderr) || stderrSummary(stdout) || 'accepted';
    },

    /** Cancels these jobs, and only if they still carry `name` and belong to the user. */
    async scancel(ids: readonly string[], name: string): Promise<void> {
      if (ids.length === 0) return;
      await exec(paths.scancel, [`--name=${name}`, `--user=${user}`, ...ids], { timeoutMs });
    },

    /**
     * The state sacct records for each of these jobs (a job it does not know is not in the map),
     * or null when there is no usable sacct (not installed, accounting disabled, failing): then
     * only squeue can tell.
     */
    async sacct(ids: readonly string[]): Promise<Map<string, string> | null> {
      if (!paths.sacct || ids.length === 0) return paths.sacct ? new Map() : null;
      let stdout: string;
      try {
        ({ stdout } = await exec(paths.sacct, ['-j', ids.join(','), '--format=JobID,State', '--noheader', '--parsable2'], { timeoutMs }));
      } catch {
        return null;
      }
      return parseSacct(stdout, ids);
    },

    get output(): 'json' | 'format' | 'auto' {
      return output;
    },
  };
}

export type SlurmCommands = ReturnType<typeof slurmCommands>;

/** A Slurm JSON number: a plain number (data_parser v0.0.38 and before) or {set, infinite, number} (v0.0.39+). */
function jsonNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'number' in v) {
    const o = v as { set?: boolean; infinite?: boolean; number?: unknown };
    if (o.set === false || o.infinite === true || typeof o.number !== 'number') return undefined;
    return o.number;
  }
  return undefined;
}

function epochMs(seconds: number | undefined): number | undefined {
  return seconds && seconds > 0 ? seconds * 1000 : undefined;
}

/** A job state: a string (v0.0.38 and before) or a list whose first entry is the base state (v0.0.39+). */
function jsonState(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return 'UNKNOWN';
}

export function parseSqueueJson(stdout: string, user?: string): SlurmJob[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw new Error('squeue --json: output is not JSON');
  }
  const jobs = (json as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs)) throw new Error('squeue --json: no "jobs" list in its output');
  const out: SlurmJob[] = [];
  for (const j of jobs as Array<Record<string, unknown>>) {
    const id = jsonNumber(j.job_id);
    if (id === undefined) continue;
    const userName = typeof j.user_name === 'string' ? j.user_name : undefined;
    // Older squeue --json ignored --user: filter here too.
    if (user && userName && userName !== user) continue;
    const job: SlurmJob = {
      id: String(id),
      name: typeof j.name === 'string' ? j.name : '',
      comment: typeof j.comment === 'string' ? j.comment : '',
      state: jsonState(j.job_state),
    };
    if (userName) job.user = userName;
    const submit = epochMs(jsonNumber(j.submit_time));
    const start = epochMs(jsonNumber(j.start_time));
    const end = epochMs(jsonNumber(j.end_time));
    if (submit) job.submitTime = submit;
    if (start) job.startTime = start;
    if (end) job.endTime = end;
    if (typeof j.nodes === 'string' && j.nodes) job.nodes = j.nodes;
    out.push(job);
  }
  return out;
}

export function parseSqueueFormat(stdout: string, user?: string): SlurmJob[] {
  const out: SlurmJob[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const parts = line.split('|');
    if (parts.length < 9) throw new Error(`squeue --format: a line without the 9 fields of ${SQUEUE_FORMAT}: ${JSON.stringify(line.slice(0, 100))}`);
    const [id, name, state, submit, start, end, nodes, userName] = parts as [string, string, string, string, string, string, string, string];
    // Another user's row (a site's squeue wrapper that ignores --user) is never the pool's.
    if (user && userName.trim() !== user) continue;
    const job: SlurmJob = { id: id.trim(), name, comment: parts.slice(8).join('|'), state: state.trim(), user: userName.trim() };
    const t = (s: string) => (/^\d+$/.test(s.trim()) ? epochMs(Number(s.trim())) : undefined);
    if (t(submit)) job.submitTime = t(submit)!;
    if (t(start)) job.startTime = t(start)!;
    if (t(end)) job.endTime = t(end)!;
    if (nodes.trim() && nodes.trim() !== '(null)') job.nodes = nodes.trim();
    out.push(job);
  }
  return out;
}

/** sacct --parsable2 lines `<id>|<state>`: each job's base state (steps `<id>.batch` are skipped; "CANCELLED by 1000" is CANCELLED). */
export function parseSacct(stdout: string, ids: readonly string[]): Map<string, string> {
  const wanted = new Set(ids);
  const out = new Map<string, string>();
  for (const line of stdout.split(/\r?\n/)) {
    const [id, state] = line.split('|');
    if (!id || !state || !wanted.has(id.trim())) continue;
    const base = state.trim().split(/\s+/)[0] ?? '';
    if (base) out.set(id.trim(), base);
  }
  return out;
}
