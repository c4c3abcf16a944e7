import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration } from '../runtime/duration.js';
import { STATUS_SUFFIX, targetOfStatusFile, type StatusRead } from '../runtime/status-file.js';

/** One row per status file; an unusable file is a row that says what is wrong with it. */
export function formatStatusTable(reads: StatusRead[], now: number): string {
  const rows = [['command', 'target', 'outcome', 'exit', 'finished', 'last success', 'key (for --forget)']];
  for (const r of reads) {
    if (!r.ok) {
      rows.push(['?', '?', `unusable: ${r.problem}`, '-', '-', '-', targetOfStatusFile(r.path)]);
      continue;
    }
    const s = r.status;
    rows.push([
      s.command,
      s.target,
      s.outcome + (s.scoped ? ' (--challenge)' : ''),
      s.exitCode === null ? '-' : String(s.exitCode),
      s.finishedAt ? `${s.finishedAt} (${ago(s.finishedAt, now)})` : `running since ${s.startedAt}`,
      s.lastSuccessAt ? `${s.lastSuccessAt} (${ago(s.lastSuccessAt, now)})` : 'never',
      targetOfStatusFile(r.path),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * One line per target whose last success is older than `maxAgeMs`, that never succeeded, or whose
 * status file is unusable; and one per command named in `commands` that has no status at all (a
 * cron line broken since day one).
 */
export function staleStatuses(reads: StatusRead[], maxAgeMs: number, now: number, commands?: string[]): string[] {
  const lines: string[] = [];
  for (const r of reads) {
    if (!r.ok) {
      lines.push(`${targetOfStatusFile(r.path)}: status file ${r.path} is unusable (${r.problem})`);
      continue;
    }
    const s = r.status;
    if (!s.lastSuccessAt) lines.push(`${s.command} (${s.target}) has never succeeded`);
    else if (now - Date.parse(s.lastSuccessAt) > maxAgeMs) {
      lines.push(`${s.command} (${s.target}) last succeeded ${ago(s.lastSuccessAt, now)}, more than ${formatDuration(maxAgeMs)}`);
    }
  }
  for (const command of commands ?? []) {
    if (!reads.some((r) => r.ok && r.status.command === command)) lines.push(`${command} has never run (no status file)`);
  }
  return lines;
}

/** Removes one target's status file; says what it did. */
export function forgetTarget(dir: string, target: string): string {
  const name = target.endsWith(STATUS_SUFFIX) ? target : `${target}${STATUS_SUFFIX}`;
  if (name.includes('/') || name.startsWith('.')) return `not a target name: ${target}`;
  const path = join(dir, name);
  if (!existsSync(path)) return `no status recorded for ${target} in ${dir}`;
  rmSync(path);
  return `forgot ${target} (removed ${path})`;
}

function ago(iso: string, now: number): string {
  return `${formatDuration(now - Date.parse(iso))} ago`;
}
