/**
 * examples/crontab is the one crontab: every crontab line in the docs uses its cadence, names its
 * bin by absolute path and says where node is; and each of its lines runs under cron's minimal
 * environment (`/bin/sh -c`, PATH=/usr/bin:/bin plus what the crontab sets) against the sandbox.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ROOT, cronBlocks, cronLines, docPages } from './cron-lines.js';

const canonical = cronLines('examples/crontab');
const cadence = new Map(canonical.map((l) => [l.job, l.schedule]));

describe('crontab lines agree everywhere', () => {
  it('examples/crontab has every command and an alert for each cadence', () => {
    expect([...cadence.keys()].sort()).toEqual(
      ['cancel-stale', 'scale-ec2', 'scale-eks', 'scale-workers', 'status cancel-stale', 'status scale-workers scale-ec2 scale-eks', 'status stop-idle', 'stop-idle'].sort(),
    );
  });

  // The minutes of the hour a cron minute field names (every 5, 1-59/5, 33, 0,30).
  const minutes = (field: string): Set<number> => {
    const out = new Set<number>();
    for (const part of field.split(',')) {
      const [range, step = '1'] = part.split('/');
      const [from, to] = range === '*' ? [0, 59] : range!.includes('-') ? range!.split('-').map(Number) : [Number(range), step === '1' && !part.includes('/') ? Number(range) : 59];
      for (let m = from!; m <= to!; m += Number(step)) out.add(m);
    }
    return out;
  };
  it('the commands, which share one token and so one EvalAI budget, never start in the same minute', () => {
    const commands = canonical.filter((l) => !l.job.startsWith('status'));
    for (const [i, a] of commands.entries()) {
      for (const b of commands.slice(i + 1)) {
        const shared = [...minutes(a.schedule.split(' ')[0]!)].filter((m) => minutes(b.schedule.split(' ')[0]!).has(m));
        expect(shared, `${a.job} and ${b.job} both start at minute ${shared[0]}`).toEqual([]);
      }
    }
  });

  const docLines = docPages().flatMap((page) => cronLines(page));
  it.each(docLines.map((l) => [`${l.file}: ${l.job}`, l] as const))('%s runs at the same times as in examples/crontab', (_name, line) => {
    expect(cadence.has(line.job), `${line.job} is not in examples/crontab`).toBe(true);
    expect(line.schedule).toBe(cadence.get(line.job));
  });

  it.each(docPages().flatMap((p) => cronBlocks(p).map((b) => [p, b] as const)))('%s: a crontab block names node\'s directory in PATH and each bin by absolute path', (_page, block) => {
    expect(block).toMatch(/^PATH=\S*\/usr\/bin:\/bin$/m);
    for (const line of block.split('\n')) {
      const bin = /\s(\S*(?:scale-workers|scale-ec2|scale-eks|cancel-stale|stop-idle|evalai-autoscaler|run_auto_\w+\.sh)(?:\.js)?)(?:\s|$)/.exec(line)?.[1];
      if (bin && /^(?:\S+\s+){5}/.test(line)) expect(bin.startsWith('/'), line).toBe(true);
    }
  });

  it('operations.md shows examples/crontab as it is', () => {
    const ops = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const file = readFileSync(join(ROOT, 'examples/crontab'), 'utf8');
    const jobs = file.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ops).toContain(jobs.join('\n'));
  });
});

describe('examples/crontab under cron\'s environment', () => {
  let sandbox: Sandbox;
  let dir: string;
  beforeAll(async () => {
    sandbox = await startSandbox();
    dir = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-crontab-'));
    writeFileSync(join(dir, 'staff.token'), sandbox.tokens.staff + '\n', { mode: 0o600 });
    // scale-eks needs AWS for any challenge: an empty config file still reads and reports.
    writeFileSync(join(dir, 'eks.json'), '{}\n', { mode: 0o600 });
  });
  afterAll(() => sandbox.close());

  /** The crontab's variable lines, with this machine's stand-ins for the server's paths. */
  function localise(text: string): string {
    return text
      .replaceAll('/usr/local/bin/', `${ROOT}bin/`)
      .replace(new RegExp(`${ROOT}bin/([\\w-]+)`, 'g'), `${ROOT}bin/$1.js`)
      .replaceAll('https://eval.ai', sandbox.url)
      .replaceAll('/etc/evalai/', `${dir}/`)
      .replaceAll('/var/log/evalai/', `${dir}/`);
  }

  function cronRun(command: string, vars: Record<string, string>): Promise<number> {
    const env = { HOME: dir, LOGNAME: 'evalai', SHELL: '/bin/sh', PATH: '/usr/bin:/bin', EVALAI_AUTOSCALER_STATE_DIR: join(dir, 'state'), ...vars };
    return new Promise((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', command], { env, stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? -1));
    });
  }

  it('every line runs: the commands exit 0 (1 for scale-ec2, whose sandbox has a broken instance), status exits 0, or 7 for the commands with scale-ec2 (it runs, but keeps failing), never 126/127', async () => {
    const text = localise(readFileSync(join(ROOT, 'examples/crontab'), 'utf8'));
    const vars = Object.fromEntries(
      text.split('\n').flatMap((l) => {
        const m = /^([A-Z_]+)=(.*)$/.exec(l);
        return m ? [[m[1]!, m[2]!]] : [];
      }),
    );
    delete vars.MAILTO;
    // The crontab names the usual places of node; on a machine with node elsewhere, add its own.
    if (!vars.PATH!.split(':').some((d) => existsSync(join(d, 'node')))) vars.PATH = `${dirname(process.execPath)}:${vars.PATH}`;
    const results: Record<string, number> = {};
    for (const line of cronLines('examples/crontab')) {
      results[line.job] = await cronRun(localise(line.command), vars);
      // cron starts these lines minutes apart (staggered: one EvalAI budget a minute for all of
      // them, kept in the state directory); run back to back here, each starts with the budget
      // the previous minute's left, as it would there.
      for (const f of readdirSync(join(dir, 'state'))) if (/^rate-[0-9a-f]+\.json$/.test(f)) rmSync(join(dir, 'state', f));
    }
    expect(results).toMatchObject({ 'scale-workers': 0, 'scale-ec2': 1, 'scale-eks': 0, 'stop-idle': 0, 'cancel-stale': 0 });
    expect(results).toMatchObject({ 'status scale-workers scale-ec2 scale-eks': 7, 'status stop-idle': 0, 'status cancel-stale': 0 });
    expect(readFileSync(join(dir, 'scale-workers.log'), 'utf8')).toMatch(/^scale-workers: \d+ challenges/m);
  });
});
