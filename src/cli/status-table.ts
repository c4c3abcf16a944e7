import { formatDuration } from '../runtime/duration.js';
import type { RunStatus } from '../runtime/status-file.js';

export function formatStatusTable(statuses: RunStatus[], now: number): string {
  const rows = [['command', 'target', 'outcome', 'exit', 'finished', 'last success']];
  for (const s of statuses) {
    rows.push([
      s.command,
      s.target,
      s.outcome,
      s.exitCode === null ? '-' : String(s.exitCode),
      s.finishedAt ? `${s.finishedAt} (${ago(s.finishedAt, now)})` : `running since ${s.startedAt}`,
      s.lastSuccessAt ? `${s.lastSuccessAt} (${ago(s.lastSuccessAt, now)})` : 'never',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** One line per command whose last success is older than `maxAgeMs` (or that never succeeded). */
export function staleStatuses(statuses: RunStatus[], maxAgeMs: number, now: number): string[] {
  return statuses
    .filter((s) => !s.lastSuccessAt || now - Date.parse(s.lastSuccessAt) > maxAgeMs)
    .map((s) =>
      s.lastSuccessAt
        ? `${s.command} (${s.target}) last succeeded ${ago(s.lastSuccessAt, now)}, more than ${formatDuration(maxAgeMs)}`
        : `${s.command} (${s.target}) has never succeeded`,
    );
}

function ago(iso: string, now: number): string {
  return `${formatDuration(now - Date.parse(iso))} ago`;
}
