/**
 * A fake SLURM for tests: sbatch, squeue and scancel over one job table (a JSON file), recording
 * every call. Plain JavaScript so that the `sbatch`/`squeue`/`scancel` executables (cli.mjs, run by
 * node) and the in-process runner of the property test share one implementation.
 *
 * Table: {now (epoch s), seq, user, json (squeue --json supported), fail ({command: stderr}: the
 * next call of that command fails), empty ({command: true}: the next squeue lists nothing),
 * ignoreUser (squeue lists every user's jobs, as a site wrapper may), accounting (sacct knows the
 * jobs; false: "accounting storage is disabled"), submitAs (sbatch submits under this user, not
 * `user`), jobs: [{id, name, comment, user, state, submit, start, end, timeLimit (s), nodes,
 * script, args}], calls: [{command, args, stdin, listed (squeue: the jobs it answered with)}]}.
 */

const TERMINAL = new Set(['COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE']);

export function emptyTable(now, user) {
  return { now, seq: 1000, user, json: true, fail: {}, empty: {}, ignoreUser: false, accounting: true, jobs: [], calls: [] };
}

/** "90" minutes, "MM:SS", "HH:MM:SS", "D-HH[:MM[:SS]]" to seconds. */
export function timeLimitSeconds(text) {
  let days = 0;
  let rest = text;
  if (text.includes('-')) {
    const [d, r] = text.split('-');
    days = Number(d);
    const p = r.split(':').map(Number);
    return days * 86400 + (p[0] ?? 0) * 3600 + (p[1] ?? 0) * 60 + (p[2] ?? 0);
  }
  const p = rest.split(':').map(Number);
  if (p.length === 1) return p[0] * 60;
  if (p.length === 2) return p[0] * 60 + p[1];
  return p[0] * 3600 + p[1] * 60 + p[2];
}

function option(args, name) {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? undefined : a.slice(name.length + 3);
}

/** Runs one command against the table (which it changes); returns {code, stdout, stderr}. */
export function handle(table, command, args, stdin, env = {}) {
  table.calls.push({ command, args: [...args], ...(stdin ? { stdin } : {}) });
  const failure = table.fail[command];
  if (failure) {
    delete table.fail[command];
    return { code: 1, stdout: '', stderr: `${failure}\n` };
  }
  if (command === 'sbatch') return sbatch(table, args, stdin);
  if (command === 'squeue') return squeue(table, args, env);
  if (command === 'scancel') return scancel(table, args);
  if (command === 'sacct') return sacct(table, args);
  return { code: 127, stdout: '', stderr: `fake slurm: no command ${command}\n` };
}

function sbatch(table, args, stdin) {
  if (args.includes('--test-only')) {
    if (!stdin || !stdin.startsWith('#!')) return { code: 1, stdout: '', stderr: 'sbatch: error: This does not look like a batch script.\n' };
    const partition = option(args, 'partition');
    if (partition && !(table.partitions ?? ['cpu', 'gpu']).includes(partition)) return { code: 1, stdout: '', stderr: `sbatch: error: invalid partition specified: ${partition}\nsbatch: error: Batch job submission failed: Invalid partition name specified\n` };
    return { code: 0, stdout: '', stderr: `sbatch: Job ${table.seq + 1} to start at ${new Date(table.now * 1000).toISOString().slice(0, 19)} using 1 processors on nodes node1 in partition ${partition ?? 'cpu'}\n` };
  }
  if (!args.includes('--parsable')) return { code: 1, stdout: '', stderr: 'fake sbatch: the pool always asks for --parsable\n' };
  if (!stdin || !stdin.startsWith('#!')) return { code: 1, stdout: '', stderr: 'sbatch: error: This does not look like a batch script.  The first\nsbatch: error: line must start with #! followed by the path to an interpreter.\n' };
  const time = option(args, 'time');
  table.seq += 1;
  const id = String(table.seq);
  table.jobs.push({
    id,
    name: option(args, 'job-name') ?? 'sbatch',
    comment: option(args, 'comment') ?? '',
    user: table.submitAs ?? table.user,
    state: 'PENDING',
    submit: table.now,
    start: 0,
    end: 0,
    timeLimit: time ? timeLimitSeconds(time) : 3600,
    nodes: '',
    script: stdin,
    args: [...args],
  });
  return { code: 0, stdout: `${id}\n`, stderr: '' };
}

function squeue(table, args, env) {
  const user = option(args, 'user');
  // --name takes a comma-separated list of job names, as squeue's does.
  const names = option(args, 'name')?.split(',');
  const jobs = table.jobs.filter((j) => (table.ignoreUser || !user || j.user === user) && (!names || names.includes(j.name)));
  // How many jobs this squeue answered with, for the tests that check the filtering is squeue's.
  table.calls[table.calls.length - 1].listed = jobs.length;
  if (args.includes('--json') && !table.json) return { code: 1, stdout: '', stderr: "squeue: unrecognized option '--json'\nTry \"squeue --help\" for more information\n" };
  if (table.empty && table.empty.squeue) {
    delete table.empty.squeue;
    return { code: 0, stdout: args.includes('--json') ? JSON.stringify({ jobs: [], errors: [] }) : '', stderr: '' };
  }
  if (args.includes('--json')) {
    // data_parser v0.0.40 shapes: states as lists, times as {set, infinite, number}.
    const t = (n) => ({ set: n > 0, infinite: false, number: n });
    return {
      code: 0,
      stdout: JSON.stringify({
        jobs: jobs.map((j) => ({ job_id: Number(j.id), name: j.name, comment: j.comment, user_name: j.user, job_state: [j.state], submit_time: t(j.submit), start_time: t(j.start), end_time: t(j.end), nodes: j.nodes })),
        meta: { plugin: { type: 'openapi/v0.0.40' } },
        errors: [],
      }),
      stderr: '',
    };
  }
  const format = option(args, 'format');
  if (format !== '%i|%j|%T|%V|%S|%e|%N|%u|%k') return { code: 1, stdout: '', stderr: `fake squeue: unexpected format ${format}\n` };
  const time = (n) => (n > 0 ? (env.SLURM_TIME_FORMAT === '%s' ? String(n) : new Date(n * 1000).toISOString().slice(0, 19)) : 'N/A');
  const lines = jobs.map((j) => [j.id, j.name, j.state, time(j.submit), time(j.start), time(j.end), j.nodes || '(null)', j.user, j.comment].join('|'));
  return { code: 0, stdout: lines.map((l) => `${l}\n`).join(''), stderr: '' };
}

function scancel(table, args) {
  const name = option(args, 'name');
  const user = option(args, 'user');
  const ids = args.filter((a) => !a.startsWith('--'));
  const errors = [];
  for (const id of ids) {
    const job = table.jobs.find((j) => j.id === id);
    if (!job) {
      errors.push(`scancel: error: Kill job error on job id ${id}: Invalid job id specified`);
      continue;
    }
    // scancel's filters: a job that does not match them is not signalled.
    if ((name && job.name !== name) || (user && job.user !== user)) continue;
    if (TERMINAL.has(job.state)) {
      errors.push(`scancel: error: Kill job error on job id ${id}: Job/step already completing or completed`);
      continue;
    }
    job.state = 'CANCELLED';
    job.end = table.now;
  }
  return { code: errors.length ? 1 : 0, stdout: '', stderr: errors.map((e) => `${e}\n`).join('') };
}

function sacct(table, args) {
  if (table.accounting === false) return { code: 1, stdout: '', stderr: 'sacct: error: Slurm accounting storage is disabled\n' };
  const i = args.indexOf('-j');
  const ids = i >= 0 ? args[i + 1].split(',') : [];
  const lines = [];
  for (const id of ids) {
    const job = table.jobs.find((j) => j.id === id) ?? (table.history ?? []).find((j) => j.id === id);
    if (!job) continue;
    const state = job.state === 'CANCELLED' ? 'CANCELLED by 1000' : job.state;
    lines.push(`${id}|${state}`, `${id}.batch|${state}`);
  }
  return { code: 0, stdout: lines.map((l) => `${l}\n`).join(''), stderr: '' };
}
