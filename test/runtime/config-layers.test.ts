import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCommonConfig } from '../../src/runtime/config.js';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The code of a file without its comments (a comment may name a variable without reading it). */
function code(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

/**
 * Where the environment may be read: the layered loaders, all called before the run takes its lock
 * (docs/configuration.md). The sandbox is a separate program with its own flags.
 */
const READERS = new Set([
  'runtime/config.ts', // the common flags
  'runtime/env-mode.ts', // ENV, through loadCommonConfig
  'runtime/state-dir.ts', // EVALAI_AUTOSCALER_STATE_DIR, XDG_STATE_HOME, HOME
  'metrics/config.ts', // METRICS_*, through loadCommonConfig
  'commands/cancel-stale/audit-log.ts', // CANCEL_STALE_AUDIT_LOG, through loadCancelStaleSettings
  'aws/env-secrets.ts', // registers AWS_* keys as secrets (the SDK itself reads them)
  'cli/main.ts', // the process entry: the SDK's notice switch
  'runtime/compile-cache.ts', // Node's own switch, NODE_DISABLE_COMPILE_CACHE, for the process entry's compile cache
  'runtime/exec.ts', // a child's environment
]);

describe('configuration is read in one layered place per command', () => {
  it('only the loaders and commands/<cmd>/settings.ts read the environment', () => {
    const readers = sourceFiles(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => !f.startsWith('sandbox/'))
      .filter((f) => /\benv\.[A-Z_]{2,}|process\.env|\benv\[/.test(code(join(SRC, f))));
    const stray = readers.filter((f) => !READERS.has(f) && !/^commands\/[^/]+\/settings\.ts$/.test(f));
    expect(stray).toEqual([]);
  });

  it('nothing but the process entry writes process.env', () => {
    const writers = sourceFiles(SRC)
      .map((f) => relative(SRC, f))
      .filter((f) => !f.startsWith('sandbox/') && /process\.env(\.\w+|\[[^\]]+\])\s*(\?\?=|=(?!=)|\|\|=)/.test(code(join(SRC, f))));
    expect(writers).toEqual(['cli/main.ts']);
  });

  it('ENV and LOG_LEVEL are read with the common flags: --env wins over ENV, an unknown ENV is one warning', () => {
    const warnings: string[] = [];
    expect(loadCommonConfig({}, { ENV: 'production', LOG_LEVEL: 'debug' }, warnings)).toMatchObject({ mode: 'prod', levelGiven: true, logLevel: 'debug' });
    expect(loadCommonConfig({ env: 'staging' }, { ENV: 'prod' }, warnings)).toMatchObject({ mode: 'staging', levelGiven: false });
    expect(warnings).toEqual([]);
    expect(loadCommonConfig({}, { ENV: 'qa' }, warnings).mode).toBe('dev');
    expect(warnings).toEqual(['ENV "qa" is not one of dev, staging, prod, production; running as dev']);
  });

  it('an EvalAI command refuses an unknown ENV (a configuration error, exit 2) instead of running as dev', () => {
    expect(() => loadCommonConfig({}, { ENV: 'stagin' }, [], { unknownEnv: 'refuse' })).toThrow(/^ENV "stagin" is not one of dev, staging, prod, production/);
    expect(loadCommonConfig({ env: 'prod' }, { ENV: 'stagin' }, [], { unknownEnv: 'refuse' }).mode).toBe('prod');
  });
});
