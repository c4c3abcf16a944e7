import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInProcess } from '../integration/in-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The locale of luxon's DateTimes in a child process started with `LANG`, after `prelude` (JS). */
function luxonLocale(lang: string, prelude: string): string {
  const script = `${prelude}; const { DateTime } = await import('luxon'); process.stdout.write(DateTime.utc().locale + ' ' + DateTime.fromMillis(0).locale);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: ROOT, env: { PATH: process.env.PATH, LANG: lang } });
  expect(r.stderr).toBe('');
  return r.stdout;
}

// First in this file: the in-process runs below would have changed the loader already if a run could.
describe('the compile cache', () => {
  it('a run inside another program (here the test runner) leaves its module loader alone: no compile cache (runtime/compile-cache.ts)', async () => {
    const nodeModule = createRequire(import.meta.url)('node:module') as { prototype: { _compile: unknown }; getCompileCacheDir?: () => string | undefined };
    const compile = nodeModule.prototype._compile;
    const cacheDir = nodeModule.getCompileCacheDir?.();
    await runInProcess(['scale-pool', 'status', '--config', '/nonexistent/pools.json'], { EVALAI_AUTOSCALER_STATE_DIR: mkdtempSync(join(tmpdir(), 'prelude-')) });
    expect(nodeModule.prototype._compile).toBe(compile);
    expect(nodeModule.getCompileCacheDir?.()).toBe(cacheDir);
  });
});

describe('a run pins luxon to en-US before its run path loads (no ICU lookup of the system locale: RSS, docs/performance.md)', () => {
  it('whatever LANG cron gives the process', () => {
    // The machine's own default follows LANG: the pin is what changes it.
    expect(luxonLocale('de_DE.UTF-8', '')).toBe('de-DE de-DE');
    const prelude = `const { prepareRun } = await import(${JSON.stringify(new URL('../../dist/cli/run-prelude.js', import.meta.url).href)}); await prepareRun()`;
    expect(luxonLocale('de_DE.UTF-8', prelude)).toBe('en-US en-US');
  });

  it.each([
    ['scale-workers', ['scale-workers', '--dry-run']],
    ['cancel-stale', ['cancel-stale', '--dry-run']],
    ['scale-pool (before its configuration is read)', ['scale-pool', 'status', '--config', '/nonexistent/pools.json']],
  ])('%s runs after the prelude', async (_name, argv) => {
    const { Settings } = await import('luxon');
    Settings.defaultLocale = 'de-DE';
    await runInProcess(argv, { API_HOST_URL: 'http://127.0.0.1:9', AUTH_TOKEN: 'x', EVALAI_AUTOSCALER_STATE_DIR: mkdtempSync(join(tmpdir(), 'prelude-')) });
    expect(Settings.defaultLocale).toBe('en-US');
  });
});
