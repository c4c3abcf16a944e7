import { join } from 'node:path';
import type { DateTime } from 'luxon';
import type { Outcome } from '../core/outcome.js';
import type { Logger } from '../runtime/logger.js';
import { HISTORY_SUFFIX, HISTORY_VERSION, readHistory, writeHistory, type HistoryFile } from './history-file.js';
import { remember, worthKeeping, type ActionKinds, type ChallengeMemory, type Seen } from './memory.js';

/** A challenge not seen by any run for this long is dropped from the history. */
export const FORGET_AFTER_MS = 30 * 86_400_000;
/** At most this many challenges are kept (the most recently seen). */
export const MAX_CHALLENGES = 10_000;

/**
 * The history of one command and target during a run: read before, written after (never in a dry
 * run). When the file was missing or unusable the run is stateless: recall() answers null for every
 * challenge, so the decisions are exactly those without history, and the file written after the run
 * starts afresh.
 */
export class HistoryBook {
  private readonly entries: Map<string, ChallengeMemory>;

  constructor(
    readonly path: string,
    private readonly meta: { command: string; target: string },
    entries: Record<string, ChallengeMemory>,
    readonly usable: boolean,
  ) {
    this.entries = new Map(Object.entries(entries));
  }

  /** The memory of a challenge for the decision; null when the history is not usable (stateless). */
  recall(id: number): ChallengeMemory | null {
    if (!this.usable) return null;
    return this.entries.get(String(id)) ?? { lastSeenAt: '' };
  }

  /** Records what this run saw and did for a challenge. */
  note(id: number, seen: Seen, outcome: Pick<Outcome, 'action' | 'status'>, kinds: ActionKinds, now: DateTime): void {
    const next = remember(this.entries.get(String(id)), seen, outcome, kinds, now);
    if (worthKeeping(next)) this.entries.set(String(id), next);
    else this.entries.delete(String(id));
  }

  /** The file to write: challenges not seen for FORGET_AFTER_MS dropped, at most MAX_CHALLENGES. */
  snapshot(now: DateTime): HistoryFile {
    const cutoff = now.toMillis() - FORGET_AFTER_MS;
    const kept = [...this.entries]
      .filter(([, m]) => Date.parse(m.lastSeenAt) >= cutoff)
      .sort((a, b) => Date.parse(b[1].lastSeenAt) - Date.parse(a[1].lastSeenAt) || Number(a[0]) - Number(b[0]))
      .slice(0, MAX_CHALLENGES)
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    return { version: HISTORY_VERSION, ...this.meta, updatedAt: now.toUTC().toISO()!, challenges: Object.fromEntries(kept) };
  }

  /** Writes the history; a failure is one warn line, never the run's failure. */
  save(now: DateTime, logger: Logger): void {
    try {
      writeHistory(this.path, this.snapshot(now));
    } catch (err) {
      logger.warn({ path: this.path, error: (err as Error).message }, 'could not write the history file: the next run decides without it');
    }
  }
}

export function historyPathOf(stateDir: string, target: string): string {
  return join(stateDir, `${target}${HISTORY_SUFFIX}`);
}

/**
 * Reads a command's history for a run. A missing file (reported only when `needed`: a policy option
 * uses it) or an unusable one (always reported) is one warn line, and the run is stateless.
 */
export function openHistory(stateDir: string, targetKey: string, meta: { command: string; target: string }, needed: boolean, logger: Logger): HistoryBook {
  const path = historyPathOf(stateDir, targetKey);
  const read = readHistory(path);
  if (read.ok) return new HistoryBook(path, meta, read.file.challenges, true);
  if (!read.missing || needed) {
    logger.warn({ path, problem: read.problem }, `the history file is ${read.missing ? 'missing' : 'unusable'}: this run decides without history, as without --scale-down-delay and --min-uptime`);
  }
  return new HistoryBook(path, meta, {}, false);
}
