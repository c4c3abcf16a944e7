import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStatus } from '../../src/runtime/status-file.js';

const good = { command: 'scale-workers', target: 'https://eval.ai', startedAt: '2026-11-29T10:00:00.000Z', finishedAt: '2026-11-29T10:01:00.000Z', outcome: 'ok', exitCode: 0, counts: {}, lastSuccessAt: '2026-11-29T10:01:00.000Z' };
const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'status-')), 'x.status.json');
  writeFileSync(path, content);
  return path;
};

describe('readStatus: a status file is read as it is, or said to be unusable, never silently dropped', () => {
  it('reads a good file', () => expect(readStatus(file(JSON.stringify(good)))).toMatchObject({ ok: true, status: good }));
  it.each([
    ['lastSuccessAt', 'yesterday'],
    ['finishedAt', 'soon'],
    ['startedAt', 42],
  ])('%s that is not a time (%j) makes it unusable, naming the field', (field, value) => {
    expect(readStatus(file(JSON.stringify({ ...good, [field]: value })))).toMatchObject({ ok: false, problem: expect.stringContaining(field) });
  });
  it('a JSON array is not a status file', () => expect(readStatus(file('[]'))).toMatchObject({ ok: false, problem: expect.stringMatching(/^not a status file: the whole file/) }));
  it('a truncated file is unusable, not "no run"', () => expect(readStatus(file('{"command": "sc'))).toMatchObject({ ok: false, problem: 'not JSON (truncated or corrupt)' }));
  it('a missing file is no run at all', () => expect(readStatus(join(tmpdir(), 'no-such-dir-x', 'x.status.json'))).toBeNull());
});
