import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTargetKey } from '../../src/runtime/run-target.js';

describe('runTargetKey: one lock per server, however its URL is spelled', () => {
  it.each([
    ['http://127.0.0.1:8000', 'http://localhost:8000'],
    ['http://127.0.0.1:8000', 'http://[::1]:8000'],
    ['http://127.0.0.1:8000', 'http://127.0.1.1:8000'],
    ['https://EVAL.ai', 'https://eval.ai:443'],
    ['http://eval.ai', 'http://eval.ai:80/'],
    ['https://eval.ai/api-root', 'https://eval.ai/api-root/'],
    ['https://eval.ai', 'https://eval.ai.'],
  ])('%s and %s are the same target', (a, b) => {
    expect(runTargetKey('scale-workers', a).split('-').at(-1)).toBe(runTargetKey('scale-workers', b).split('-').at(-1));
  });

  it.each([
    ['https://eval.ai', 'https://staging.eval.ai'],
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8001'],
    ['https://eval.ai', 'http://eval.ai'],
    ['https://eval.ai/a', 'https://eval.ai/b'],
  ])('%s and %s are different targets', (a, b) => {
    expect(runTargetKey('scale-workers', a)).not.toBe(runTargetKey('scale-workers', b));
  });

  it('names the command and host in the key, readably', () => {
    expect(runTargetKey('scale-workers', 'https://eval.ai')).toMatch(/^scale-workers@eval\.ai-[0-9a-f]{8}$/);
  });

  it('two config files are two targets (two scale-eks crontab lines never lock each other out); one file by any path is one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'target-'));
    writeFileSync(join(dir, 'a.json'), '{}');
    writeFileSync(join(dir, 'b.json'), '{}');
    symlinkSync(join(dir, 'a.json'), join(dir, 'link.json'));
    const key = (configFile?: string) => runTargetKey('scale-eks', 'https://eval.ai', configFile === undefined ? {} : { configFile });
    expect(key(join(dir, 'a.json'))).not.toBe(key(join(dir, 'b.json')));
    expect(key(join(dir, 'a.json'))).not.toBe(key());
    expect(key(relative(process.cwd(), join(dir, 'a.json')))).toBe(key(join(dir, 'a.json')));
    expect(key(join(dir, 'link.json'))).toBe(key(join(dir, 'a.json')));
    expect(runTargetKey('scale-eks', 'https://eval.ai', { mode: 'lambda' })).not.toBe(key());
  });
});
