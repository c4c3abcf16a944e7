import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, stderrSummary, type Exec } from '../../src/runtime/exec.js';
import { emptyTable, handle, type FakeJob, type FakeTable } from './fake-slurm/core.mjs';

const CLI = fileURLToPath(new URL('./fake-slurm/cli.mjs', import.meta.url));

/**
 * A fake SLURM cluster for tests: a job table in a temp file, `sbatch`/`squeue`/`scancel`
 * executables over it (shell wrappers running fake-slurm/cli.mjs with node), and the same logic
 * in-process (`exec`) for the property test, where spawning would be too slow. Every call is
 * recorded in the table. Times are epoch seconds in the table, ms in this class's API.
 */
export class SlurmFake {
  readonly dir = mkdtempSync(join(tmpdir(), 'fake-slurm-'));
  readonly tablePath = join(this.dir, 'table.json');
  readonly statePath = join(this.dir, 'state', 'hosts.json');
  readonly paths: { sbatch: string; squeue: string; scancel: string; sacct: string };

  constructor(nowMs: number, readonly user = 'alice') {
    this.write(emptyTable(Math.floor(nowMs / 1000), user));
    const wrapper = (command: string): string => {
      const path = join(this.dir, command);
      writeFileSync(path, `#!/bin/sh\nexec ${q(process.execPath)} ${q(CLI)} ${q(this.tablePath)} ${command} "$@"\n`);
      chmodSync(path, 0o755);
      return path;
    };
    this.paths = { sbatch: wrapper('sbatch'), squeue: wrapper('squeue'), scancel: wrapper('scancel'), sacct: wrapper('sacct') };
  }

  read(): FakeTable {
    return JSON.parse(readFileSync(this.tablePath, 'utf8')) as FakeTable;
  }

  write(table: FakeTable): void {
    writeFileSync(`${this.tablePath}.w`, JSON.stringify(table));
    renameSync(`${this.tablePath}.w`, this.tablePath);
  }

  update(change: (t: FakeTable) => void): void {
    const t = this.read();
    change(t);
    this.write(t);
  }

  /** The same commands in-process: no spawn, same table, same errors as the runner gives. */
  readonly exec: Exec = async (command, args, options) => {
    const name = command.split('/').pop()!;
    const t = this.read();
    const out = handle(t, name, args, options.input, options.env);
    this.write(t);
    if (out.code !== 0) throw new CommandError(`${command} ${args[0] ?? ''}: exit ${out.code}: ${stderrSummary(out.stderr)}`, command, out.code, out.stderr);
    return { stdout: out.stdout, stderr: out.stderr };
  };

  get nowMs(): number {
    return this.read().now * 1000;
  }

  advance(ms: number): void {
    this.update((t) => {
      t.now += Math.round(ms / 1000);
      // Jobs past their wall time end, as SLURM ends them.
      for (const j of t.jobs) if (j.state === 'RUNNING' && j.end > 0 && j.end <= t.now) j.state = 'TIMEOUT';
    });
  }

  jobs(): FakeJob[] {
    return this.read().jobs;
  }

  job(id: string): FakeJob {
    const j = this.jobs().find((x) => x.id === id);
    if (!j) throw new Error(`no job ${id}`);
    return j;
  }

  /** The scheduler starts a pending job. */
  start(id: string, node = `node${id}`): void {
    this.update((t) => {
      const j = t.jobs.find((x) => x.id === id)!;
      Object.assign(j, { state: 'RUNNING', start: t.now, end: t.now + j.timeLimit, nodes: node });
    });
  }

  /** Every pending job starts. */
  startAll(): string[] {
    const ids = this.jobs().filter((j) => j.state === 'PENDING').map((j) => j.id);
    for (const id of ids) this.start(id);
    return ids;
  }

  /** A job of the same user that is not the pool's (or is someone else's, with `user`). */
  addForeign(job: Partial<FakeJob>): string {
    let id = '';
    this.update((t) => {
      t.seq += 1;
      id = String(t.seq);
      t.jobs.push({ id, name: 'my-analysis', comment: '', user: t.user, state: 'RUNNING', submit: t.now, start: t.now, end: t.now + 86400, timeLimit: 86400, nodes: 'node9', ...job });
    });
    return id;
  }

  /** squeue forgets ended jobs (MinJobAge); sacct still knows them. */
  purge(): void {
    this.update((t) => {
      const live = (j: FakeJob) => ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED'].includes(j.state);
      t.history = [...(t.history ?? []), ...t.jobs.filter((j) => !live(j))];
      t.jobs = t.jobs.filter(live);
    });
  }

  /** The next squeue answers with an empty list (exit 0). */
  emptyNext(): void {
    this.update((t) => {
      t.empty = { squeue: true };
    });
  }

  failNext(command: 'sbatch' | 'squeue' | 'scancel', stderr: string): void {
    this.update((t) => {
      t.fail[command] = stderr;
    });
  }

  calls(command?: string) {
    return this.read().calls.filter((c) => !command || c.command === command);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
