import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { formatLogLine } from '../../src/runtime/terminal-output.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { TEST_STATE_DIR } from '../integration/harness.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(() => sandbox.close());

/** Runs a command in this process with stderr that says it is (or is not) a terminal. */
async function run(argv: string[], opts: { tty: boolean; env?: Record<string, string> }) {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void, tty: boolean) => {
    const w = new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
    return Object.assign(w, { isTTY: tty });
  };
  const env = { API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, EVALAI_AUTOSCALER_STATE_DIR: TEST_STATE_DIR, ...opts.env };
  const code = await main(argv, { stdout: sink((s) => (stdout += s), false), stderr: sink((s) => (stderr += s), opts.tty), env, sleep: async () => undefined });
  const lines = stderr.split('\n').filter(Boolean);
  return { code, stdout, stderr, lines, json: lines.filter((l) => l.startsWith('{')) };
}

// scale-ec2 on the sandbox: one challenge (314) fails, a warning; the rest are planned.
const argv = ['scale-ec2', '--dry-run'];

describe('logs on a terminal', () => {
  it('stderr a terminal, no LOG_LEVEL: warnings only, as readable lines; stdout unchanged', async () => {
    const r = await run(argv, { tty: true });
    expect(r.code).toBe(1);
    expect(r.json).toEqual([]);
    expect(r.lines.length).toBeGreaterThan(0);
    expect(r.lines.every((l) => /^\d\d:\d\d:\d\d (WARN |ERROR) /.test(l))).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`WARN  decision challenge=${SEEDED.ec2NoInstance} action=none status=failed reason="the instance could not be described"`));
    expect(r.stderr).not.toMatch(/run started/);
    expect(r.stdout).toMatch(/would start - 2 pending/);
    expect(r.stdout).toMatch(/^scale-ec2 \(dry run\): .*; exit 1$/m);
  });

  it('under cron (not a terminal) nothing changes: pino JSON from info up', async () => {
    const r = await run(argv, { tty: false });
    expect(r.lines.every((l) => l.startsWith('{'))).toBe(true);
    expect(r.json.map((l) => JSON.parse(l) as { msg: string }).map((l) => l.msg)).toContain('run started');
  });

  it('LOG_LEVEL set on a terminal: JSON at that level, as asked', async () => {
    const r = await run(argv, { tty: true, env: { LOG_LEVEL: 'info' } });
    expect(r.lines.every((l) => l.startsWith('{'))).toBe(true);
    expect(r.stderr).toMatch(/"msg":"run started"/);
  });

  it('--quiet prints only the summary line on stdout, and warnings on stderr (JSON under cron)', async () => {
    const r = await run([...argv, '--quiet'], { tty: false });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^scale-ec2 \(dry run\): \d+ challenges, .*; exit 1\n$/);
    expect(r.json.length).toBe(r.lines.length);
    expect(r.json.map((l) => (JSON.parse(l) as { level: number }).level).every((level) => level >= 40)).toBe(true);
    const tty = await run([...argv, '-q'], { tty: true });
    expect(tty.stdout).toBe(r.stdout);
    expect(tty.json).toEqual([]);
  });

  it('--quiet with --verbose is a usage error', async () => {
    const r = await run([...argv, '-q', '-v'], { tty: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scale-ec2: usage error: option '-q, --quiet' cannot be used with option '-v, --verbose'/);
  });
});

describe('formatLogLine', () => {
  it('time, level, message, then the fields; strings with spaces quoted', () => {
    const line = JSON.stringify({ level: 40, time: '2026-11-29T07:06:05.988Z', command: 'scale-ec2', pid: 1, msg: 'decision', challenge: 3, reason: 'two words', ok: true });
    expect(formatLogLine(line)).toBe('07:06:05 WARN  decision challenge=3 reason="two words" ok=true');
  });
  it('leaves a line that is not JSON as it is', () => {
    expect(formatLogLine('not json')).toBe('not json');
  });
});
