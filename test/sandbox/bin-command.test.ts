import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binCommand } from '../../src/sandbox/banner.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('binCommand: how the sandbox and demo print a command', () => {
  it('from a clone (the name on PATH is not this package\'s bin): node bin/<name>.js, relative to the current directory', () => {
    expect(binCommand('scale-workers', ROOT, '/usr/bin:/bin')).toBe('node bin/scale-workers.js');
    expect(binCommand('scale-workers', join(ROOT, 'docs'), '/usr/bin:/bin')).toBe('node ../bin/scale-workers.js');
  });

  it('installed (PATH holds a link to this package\'s bin, as npm install -g makes): the command name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bin-command-'));
    symlinkSync(join(ROOT, 'bin', 'scale-workers.js'), join(dir, 'scale-workers'));
    expect(binCommand('scale-workers', '/', `/usr/bin:${dir}`)).toBe('scale-workers');
  });

  it('another program of the same name on PATH is not ours: the node form', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bin-command-'));
    writeFileSync(join(dir, 'scale-workers'), '#!/bin/sh\n', { mode: 0o755 });
    expect(binCommand('scale-workers', ROOT, dir)).toBe('node bin/scale-workers.js');
  });
});
