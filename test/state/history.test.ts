import { chmodSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { pino } from 'pino';
import type { Logger } from '../../src/runtime/logger.js';
import { describe, expect, it } from 'vitest';
import { FORGET_AFTER_MS, HistoryBook, openHistory } from '../../src/state/history-book.js';
import { readHistory, writeHistory, type HistoryFile } from '../../src/state/history-file.js';
import { remember } from '../../src/state/memory.js';

const NOW = DateTime.fromISO('2026-11-22T12:00:00Z', { zone: 'utc' });
const T = (min: number) => NOW.plus({ minutes: min });
const KINDS = { start: ['start'], stop: ['stop'] };
const meta = { command: 'scale-workers', target: 'http://127.0.0.1:1' };

function logs(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger: Logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}
const dir = () => mkdtempSync(join(tmpdir(), 'history-'));
const valid = (challenges: HistoryFile['challenges'] = {}): HistoryFile => ({ version: 1, ...meta, updatedAt: NOW.toISO()!, challenges });

describe('remember: what a run leaves for the next', () => {
  it('idleSince is set when pending is first seen 0, kept while it stays 0, cleared when it rises', () => {
    const a = remember(undefined, { pending: 0, capacityUp: true }, { action: 'none', status: 'unchanged' }, KINDS, T(0));
    expect(a.idleSince).toBe(T(0).toISO());
    const b = remember(a, { pending: 0, capacityUp: true }, { action: 'none', status: 'unchanged' }, KINDS, T(5));
    expect(b.idleSince).toBe(T(0).toISO());
    const c = remember(b, { pending: 3, capacityUp: true }, { action: 'none', status: 'unchanged' }, KINDS, T(10));
    expect(c.idleSince).toBeUndefined();
    const d = remember(b, { pending: 'unknown', capacityUp: true }, { action: 'none', status: 'failed' }, KINDS, T(10));
    expect(d.idleSince).toBe(T(0).toISO());
  });

  it('startedAt is set by a start that was done from nothing, and cleared by a stop or by seeing no capacity', () => {
    const started = remember(undefined, { pending: 2, capacityUp: false }, { action: 'start', status: 'done' }, KINDS, T(0));
    expect(started).toMatchObject({ startedAt: T(0).toISO(), lastAction: { action: 'start', status: 'done', at: T(0).toISO() } });
    expect(remember(undefined, { pending: 2, capacityUp: false }, { action: 'start', status: 'failed' }, KINDS, T(0)).startedAt).toBeUndefined();
    expect(remember(undefined, { pending: 2, capacityUp: false }, { action: 'start', status: 'planned' }, KINDS, T(0)).startedAt).toBeUndefined();
    const kept = remember(started, { pending: 0, capacityUp: true }, { action: 'none', status: 'unchanged' }, KINDS, T(5));
    expect(kept.startedAt).toBe(T(0).toISO());
    expect(kept.lastAction?.action).toBe('start');
    expect(remember(kept, { pending: 0, capacityUp: true }, { action: 'stop', status: 'done' }, KINDS, T(10)).startedAt).toBeUndefined();
    expect(remember(kept, { pending: 0, capacityUp: false }, { action: 'none', status: 'unchanged' }, KINDS, T(10)).startedAt).toBeUndefined();
  });
});

describe('the history file', () => {
  it('round-trips, and a missing file is not reported unless a policy option needs it', () => {
    const d = dir();
    const quiet = logs();
    const book = openHistory(d, 'scale-workers@x-1', meta, false, quiet.logger);
    expect(book.usable).toBe(false);
    expect(book.recall(7)).toBeNull();
    expect(quiet.lines.filter((l) => l.level === 40)).toEqual([]);

    const loud = logs();
    openHistory(d, 'scale-workers@x-1', meta, true, loud.logger);
    expect(loud.lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(loud.lines[0]!.msg).toMatch(/missing: this run decides without history/);

    book.note(7, { pending: 0, capacityUp: true }, { action: 'none', status: 'unchanged' }, KINDS, NOW);
    book.save(NOW, quiet.logger);
    expect(readdirSync(d)).toEqual(['scale-workers@x-1.history.json']);
    const again = openHistory(d, 'scale-workers@x-1', meta, true, logs().logger);
    expect(again.usable).toBe(true);
    expect(again.recall(7)?.idleSince).toBe(NOW.toISO());
    expect(again.recall(8)).toEqual({ lastSeenAt: '' });
  });

  it.each([
    ['truncated JSON', '{"version":1,"command":"scale-wor', /not JSON/],
    ['empty', '', /empty/],
    ['another schema version', JSON.stringify({ ...valid(), version: 2 }), /schema version 2, this version reads 1/],
    ['a bad time', JSON.stringify(valid({ '7': { lastSeenAt: 'yesterday' } })), /challenges\.7\.lastSeenAt: not a time/],
    ['a key that is not a challenge id', JSON.stringify(valid({ abc: { lastSeenAt: NOW.toISO()! } })), /challenges\.abc/],
  ])('%s: one warn line naming the problem, and the run is stateless', (_name, text, problem) => {
    const d = dir();
    writeFileSync(join(d, 'k.history.json'), text);
    const { logger, lines } = logs();
    const book = openHistory(d, 'k', meta, false, logger);
    expect(book.usable).toBe(false);
    expect(book.recall(7)).toBeNull();
    const warns = lines.filter((l) => l.level === 40);
    expect(warns).toHaveLength(1);
    expect(warns[0]!.problem).toMatch(problem);
    expect(warns[0]!.msg).toMatch(/unusable: this run decides without history/);
  });

  it('a failed write leaves no temporary file behind, and a reader never sees half a file', () => {
    const d = dir();
    const path = join(d, 'k.history.json');
    // The rename fails (the target is a non-empty directory) after the temporary file was written.
    mkdirSync(path);
    writeFileSync(join(path, 'x'), '');
    expect(() => writeHistory(path, valid({}))).toThrow();
    expect(readdirSync(d)).toEqual(['k.history.json']);
    // A successful write replaces the file whole (write then rename): the result parses.
    const other = join(d, 'o.history.json');
    writeHistory(other, valid({ '1': { lastSeenAt: NOW.toISO()! } }));
    expect(readHistory(other)).toMatchObject({ ok: true });
    expect(readdirSync(d).sort()).toEqual(['k.history.json', 'o.history.json']);
  });

  it('a write that cannot happen is one warn line, not a failure', () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    const d = dir();
    chmodSync(d, 0o500);
    const { logger, lines } = logs();
    new HistoryBook(join(d, 'k.history.json'), meta, {}, true).save(NOW, logger);
    chmodSync(d, 0o700);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['could not write the history file: the next run decides without it']);
    expect(readdirSync(d)).toEqual([]);
  });

  it('stays bounded: challenges not seen for 30 days are dropped, and one with nothing to remember is not kept', () => {
    const old = NOW.minus({ milliseconds: FORGET_AFTER_MS + 1 }).toISO()!;
    const book = new HistoryBook('/nonexistent', meta, { '1': { lastSeenAt: old, idleSince: old }, '2': { lastSeenAt: NOW.toISO()!, idleSince: old } }, true);
    book.note(3, { pending: 'not read', capacityUp: false }, { action: 'none', status: 'unchanged' }, KINDS, NOW);
    expect(Object.keys(book.snapshot(NOW).challenges)).toEqual(['2']);
    expect(readHistory('/nonexistent/k.history.json')).toMatchObject({ ok: false, missing: true });
  });
});
