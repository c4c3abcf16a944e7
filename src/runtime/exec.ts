import { spawn } from 'node:child_process';
import { formatDuration } from './duration.js';

/**
 * Runs one external command (sbatch, squeue, scancel, …) without a shell, with a timeout, and
 * gives back its exit code, stdout and stderr. A command that cannot be started, runs past its
 * timeout, or exits non-zero is a CommandError whose message carries the command and the first
 * lines of its stderr: a failure is reported, never swallowed.
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

export const exec: Exec = (command, args, options) =>
  new Promise<ExecResult>((resolve, reject) => {
    const name = `${command} ${args[0] ?? ''}`.trim();
    const child = spawn(command, [...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    // A command that exits without reading its stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = e.code === 'ENOENT' ? 'not found' : e.code === 'EACCES' ? 'not executable' : e.message;
      reject(new CommandError(`${command}: cannot run: ${why}`, command, null, ''));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new CommandError(`${name}: no answer within ${formatDuration(options.timeoutMs)}: killed`, command, null, stderr));
      } else if (code !== 0) {
        const detail = stderrSummary(stderr);
        reject(new CommandError(`${name}: exit ${code ?? 'signal'}${detail ? `: ${detail}` : ' (no stderr)'}`, command, code, stderr));
      } else {
        resolve({ stdout, stderr });
      }
    });
    child.stdin.end(options.input ?? '');
  });
