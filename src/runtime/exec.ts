import { spawn } from 'node:child_process';
import { formatDuration } from './duration.js';

/**
 * Runs one external command (sbatch, squeue, scancel, …) without a shell, with a timeout, and
 * gives back its exit code, stdout and stderr. A command that cannot be started, runs past its
 * timeout, or exits non-zero is a CommandError whose message carries the command and the first
 * lines of its stderr: a failure is reported, never swallowed.
 *
 * The command runs in a process group of its own (a site's wrapper script may start sbatch as a
 * child): at the timeout the whole group gets SIGTERM, then SIGKILL after a short grace, and the
 * call settles at once, without waiting for pipes a grandchild may still hold open.
 */
export interface ExecOptions {
  timeoutMs: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Added to the environment the command inherits. */
  env?: Record<string, string>;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export type Exec = (command: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

export class CommandError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    /** The command could not be started at all (not found, not executable). */
    readonly notStarted = false,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** The first lines of a stderr, on one line, short enough for a log line. */
export function stderrSummary(stderr: string, max = 300): string {
  const text = stderr.trim().split(/\r?\n/).filter((l) => l.trim() !== '').join(' | ');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Between SIGTERM and SIGKILL to a timed-out command's process group. */
export const KILL_GRACE_MS = 2_000;

/** Signals a whole process group; a group already gone is fine. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

export const exec: Exec = (command, args, options) =>
  new Promise<ExecResult>((resolve, reject) => {
    const name = `${command} ${args[0] ?? ''}`.trim();
    const env = { ...process.env, ...options.env };
    const child = spawn(command, [...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env,
      // A group of its own, so that a timeout reaches what the command started too.
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      return true;
    };
    const timer = setTimeout(() => {
      if (!settle()) return;
      const pid = child.pid;
      killGroup(pid, 'SIGTERM');
      // Whatever ignores SIGTERM gets SIGKILL (the timer holds the process that long, so it is always sent).
      setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
      // A grandchild may hold the pipes open: stop reading them rather than wait.
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      const stderr = Buffer.concat(err).toString('utf8');
      reject(new CommandError(`${name}: no answer within ${formatDuration(options.timeoutMs)}: killed (its process group too)`, command, null, stderr));
    }, options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A command that exits without reading its stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (!settle()) return;
      const why = e.code === 'ENOENT' ? notFound(command, env.PATH) : e.code === 'EACCES' ? 'not executable' : e.message;
      reject(new CommandError(`${command}: cannot run: ${why}`, command, null, '', true));
    });
    child.on('close', (code) => {
      if (!settle()) return;
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        const detail = stderrSummary(stderr);
        reject(new CommandError(`${name}: exit ${code ?? 'signal'}${detail ? `: ${detail}` : ' (no stderr)'}`, command, code, stderr));
      } else {
        resolve({ stdout, stderr });
      }
    });
    child.stdin.end(options.input ?? '');
  });

/** "not found", and for a bare name the PATH it was looked for on (cron's PATH is short). */
function notFound(command: string, path: string | undefined): string {
  if (command.includes('/')) return 'not found';
  return `not found on PATH=${path ?? '(unset)'}`;
}
