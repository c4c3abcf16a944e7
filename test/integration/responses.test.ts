import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runInProcess } from './in-process.js';

/**
 * Issue 8, "Responses": every EvalAI response body is capped before and after decompression (a
 * bigger one fails that call only), and server-supplied text reaches stdout and the logs short and
 * free of control characters. Through main(), as the bins run it, against the sandbox.
 */
const MiB = 1024 * 1024;
const LIST = '/api/challenges/challenge/all/all/all';
const metricsOf = (pk: number) => `/api/challenges/challenge/get_submission_metrics_by_pk/${pk}/`;
const stateDir = mkdtempSync(join(tmpdir(), 'responses-'));

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ throttleRatePerMinute: false });
});
afterEach(() => sandbox.close());

const env = (extra: Record<string, string | undefined> = {}) => ({
  API_HOST_URL: sandbox.url,
  AUTH_TOKEN: sandbox.tokens.staff,
  ENV: 'prod',
  EVALAI_AUTOSCALER_STATE_DIR: stateDir,
  ...extra,
});
const errorLines = (stdout: string) => stdout.split('\n').filter((l) => l.startsWith('error: '));

describe('response size cap (--max-response-bytes)', () => {
  it('a 1 MB gzip body inflating to 500 MB on the challenge list fails fast as malformed, without the RSS following it', async () => {
    sandbox.fault({ path: LIST, fault: { kind: 'gzip-bomb', inflatedBytes: 500 * MiB } });
    const rssBefore = process.resourceUsage().maxRSS;
    const r = await runInProcess(['scale-workers', '--dry-run', '--max-response-bytes', '4MiB', '--retries', '0'], env());
    const grownMiB = (process.resourceUsage().maxRSS - rssBefore) / 1024;
    expect(r.code).toBe(3);
    expect(errorLines(r.stdout)).toEqual([
      expect.stringMatching(/^error: challenge list: malformed response: the body is larger than 4 MiB once decompressed; not read \(raise --max-response-bytes if this is real\); nothing could be read/),
    ]);
    expect(grownMiB).toBeLessThan(150);
  });

  it('a list page over the cap stops the listing as a page error does; the pages before it are handled', async () => {
    sandbox.fault({ path: LIST, skip: 1, fault: { kind: 'oversized', bytes: 40 * MiB } });
    const r = await runInProcess(['scale-workers', '--dry-run', '--retries', '0'], env()); // default cap: 32 MiB
    expect(r.code).toBe(1);
    expect(errorLines(r.stdout)).toEqual([expect.stringMatching(/larger than 32 MiB; not read .*after 150 challenges were read \(those were handled\)/)]);
  });

  it('one challenge\'s oversized metrics body fails that challenge only; the others go on', async () => {
    sandbox.fault({ path: metricsOf(SEEDED.activePendingNoWorker), fault: { kind: 'oversized', bytes: 5 * MiB } });
    const r = await runInProcess(['scale-workers', '--dry-run', '--retries', '0'], env());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^challenge ${SEEDED.activePendingNoWorker} ".*": failed - .*: submission metrics of challenge ${SEEDED.activePendingNoWorker}: malformed response: the body is larger than 1 MiB`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^challenge ${SEEDED.activePendingStoppedWorker} ".*": would start`, 'm'));
    expect(r.stdout).toMatch(/, 1 failed; exit 1$/m);
  });

  it('the cap is configurable by MAX_RESPONSE_BYTES, and a bad value is a usage error', async () => {
    sandbox.fault({ path: LIST, fault: { kind: 'oversized', bytes: 200 * 1024 } });
    const small = await runInProcess(['scale-workers', '--dry-run', '--retries', '0'], env({ MAX_RESPONSE_BYTES: '128KiB' }));
    expect(small.code).toBe(3);
    expect(small.stdout).toMatch(/larger than 128 KiB; not read/);

    const bad = await runInProcess(['scale-workers', '--dry-run'], env({ MAX_RESPONSE_BYTES: 'lots' }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('scale-workers: configuration error: MAX_RESPONSE_BYTES "lots": expected a size from 64KiB to 1GiB, such as 32MiB, 512KiB or 1048576 (bytes)\n');
    const flag = await runInProcess(['scale-workers', '--dry-run', '--max-response-bytes', '10'], env());
    expect(flag.code).toBe(2);
    expect(sandbox.requests).toHaveLength(1); // only the first run's listing
  });
});

describe('server-supplied text on stdout and in the logs', () => {
  const withTitle = (title: string) => (page: unknown) => {
    const p = page as { results: Array<{ id: number; title: string }> };
    return { ...p, results: p.results.map((c) => (c.id === SEEDED.activePendingNoWorker ? { ...c, title } : c)) };
  };

  it('a 10 MB title is cut short in the human summary, --json and the log', async () => {
    sandbox.fault({ path: LIST, times: 1, fault: { kind: 'transform', fn: withTitle('T'.repeat(10 * MiB)) } });
    const r = await runInProcess(['scale-workers', '--dry-run', '--log-level', 'debug'], env());
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith(`challenge ${SEEDED.activePendingNoWorker} `))!;
    expect(line).toMatch(/^challenge 301 "T{120}… \(10485760 characters in all\)": would start/);
    expect(r.stdout.length).toBeLessThan(20_000);
    expect(r.stderr.length).toBeLessThan(2 * MiB);

    sandbox.fault({ path: LIST, times: 1, fault: { kind: 'transform', fn: withTitle('T'.repeat(10 * MiB)) } });
    const json = await runInProcess(['scale-workers', '--dry-run', '--json'], env());
    const report = JSON.parse(json.stdout) as { outcomes: Array<{ challengeId: number; title: string }> };
    expect(report.outcomes.find((o) => o.challengeId === SEEDED.activePendingNoWorker)!.title).toMatch(/^T{120}… \(10485760 characters in all\)$/);
    expect(json.stdout.length).toBeLessThan(1 * MiB);
  });

  it('a title with ANSI escapes and newlines cannot colour the terminal or forge a line', async () => {
    sandbox.fault({ path: LIST, times: 1, fault: { kind: 'transform', fn: withTitle('\u001b[2J\u001b[31mOK\u001b[0m\nscale-workers: 0 challenges; exit 0\r') } });
    const r = await runInProcess(['scale-workers', '--dry-run'], env());
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/); // only \n, as line ends
    expect(r.stdout).toMatch(/^challenge 301 "OK scale-workers: 0 challenges; exit 0": would start/m);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('scale-workers'))).toHaveLength(1);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).not.toContain('\\u001b');
  });

  it('a huge error text from the server is cut short in the failure line', async () => {
    sandbox.fault({ path: metricsOf(SEEDED.activePendingNoWorker), fault: { kind: 'status', status: 500, body: { error: `boom\u001b[1m ${'E'.repeat(600 * 1024)}` } } });
    const r = await runInProcess(['scale-workers', '--dry-run', '--retries', '0'], env());
    const line = r.stdout.split('\n').find((l) => l.startsWith(`challenge ${SEEDED.activePendingNoWorker} `))!;
    expect(line).toMatch(/server error \(HTTP 500\): boom E+… \(\d+ characters in all\)$/);
    expect(line.length).toBeLessThan(1200);
    expect(r.stderr.length).toBeLessThan(256 * 1024);
  });
});
