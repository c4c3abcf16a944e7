import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration } from '../runtime/duration.js';
import { STATUS_SUFFIX, targetOfStatusFile, type RunStatus, type StatusRead } from '../runtime/status-file.js';

/** One row per status file; an unusable file is a row that says what is wrong with it. */
export function formatStatusTable(reads: StatusRead[], now: number): string {
  const rows = [['command', 'target', 'outcome', 'exit', 'finished', 'last success', 'failing', 'key (for --forget)']];
  for (const r of reads) {
    if (!r.ok) {
      rows.push(['?', '?', `unusable: ${r.problem}`, '-', '-', '-', '-', targetOfStatusFile(r.path)]);
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
      s.failing ? `${s.failing.items.length + s.failing.more} since ${ago(s.failing.since, now)}` : '-',
      targetOfStatusFile(r.path),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** What `status --max-age` found: commands that stopped running, and commands that run but keep failing. */
export interface StatusCheck {
  /** Liveness: no run within --max-age (the cron line or timer stopped?), a named command that never ran, or an unusable status file. */
  stopped: string[];
  /** It runs, but no full run has exited 0 within --max-age: what fails, and since when. */
  failing: string[];
}

/**
 * Liveness apart from persistent failure. A target whose last run (finished, or still running)
 * is older than `maxAgeMs` has stopped running; one that ran within it but has not succeeded
 * within it (or never) keeps failing, with the items that failed and since when. A command named
 * in `commands` without any status never ran (a cron line broken since day one).
 */
export function checkStatuses(reads: StatusRead[], maxAgeMs: number, now: number, commands?: string[]): StatusCheck {
  const check: StatusCheck = { stopped: [], failing: [] };
  for (const r of reads) {
    if (!r.ok) {
      check.stopped.push(`${targetOfStatusFile(r.path)}: status file ${r.path} is unusable (${r.problem})`);
      continue;
    }
    const s = r.status;
    const name = `${s.command} (${s.target})`;
    const lastRun = s.finishedAt ?? s.startedAt;
    const verdict = verdictOf(s, maxAgeMs, now);
    if (verdict === 'not-running') {
      const what = s.finishedAt ? `its last run finished ${ago(s.finishedAt, now)}` : `its last run started ${ago(s.startedAt, now)} and never finished`;
      check.stopped.push(`${name} has not run within ${formatDuration(maxAgeMs)}: ${what}; is its cron line or timer still there?`);
      continue;
    }
    if (verdict === 'ok') continue;
    const success = s.lastSuccessAt ? `has not succeeded since ${s.lastSuccessAt} (${ago(s.lastSuccessAt, now)})` : 'has never succeeded';
    const since = s.failing ? `; runs fail since ${s.failing.since} (${ago(s.failing.since, now)})` : '';
    check.failing.push(`${name} runs (last ${ago(lastRun, now)}, exit ${s.exitCode ?? '-'}) but ${success}${since}: ${failingWhat(s)}`);
  }
  for (const command of commands ?? []) {
    if (!reads.some((r) => r.ok && r.status.command === command)) check.stopped.push(`${command} has never run (no status file)`);
  }
  return check;
}

/** One target's verdict under --max-age: liveness first (did it run?), then whether it keeps failing. */
export function verdictOf(s: RunStatus, maxAgeMs: number, now: number): 'ok' | 'not-running' | 'failing' {
  if (now - Date.parse(s.finishedAt ?? s.startedAt) > maxAgeMs) return 'not-running';
  if (s.lastSuccessAt && now - Date.parse(s.lastSuccessAt) <= maxAgeMs) return 'ok';
  if (!s.finishedAt && !s.failing) return 'ok'; // its first run is under way
  return 'failing';
}

/** The failing items (each with since when), or the run's own error when no item failed. */
function failingWhat(s: RunStatus): string {
  const items = s.failing?.items ?? [];
  if (items.length === 0) return s.message ?? 'see its log';
  const shown = items.slice(0, 5).map((i) => `${i.id} since ${i.since} (${i.error})`);
  const more = items.length - shown.length + (s.failing?.more ?? 0);
  return `failing ${items.length + (s.failing?.more ?? 0)}: ${shown.join('; ')}${more ? `; and ${more} more (status --json)` : ''}`;
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
