import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/runtime/config.js';
import { runInProcess } from '../integration/in-process.js';

const COMMANDS = ['scale-workers', 'scale-ec2', 'scale-eks', 'cancel-stale', 'stop-idle'] as const;

describe('--help teaches', () => {
  it.each(COMMANDS)('%s --help: examples, the real --max-actions default, the exit codes, an existing docs page', async (name) => {
    const r = await runInProcess([name, '--help'], {});
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    const examples = r.stdout.split('Examples:\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples.every((l) => l.includes(name))).toBe(true);
    expect(help).toContain(`exit 6 (default ${DEFAULTS.maxActions[name]})`);
    expect(help).not.toContain('default per command');
    expect(r.stdout).toMatch(/^Exit codes: 0 ok, 1 .*, 2 .*, 3 .*, 4 .*, 5 .*, 6 .*$/m);
    const page = /^Docs: (.+)$/m.exec(r.stdout)?.[1];
    expect(page).toMatch(new RegExp(`docs/${name}\\.md$`));
    expect(existsSync(page!)).toBe(true);
  });

  it('status --help has its own exit codes and examples', async () => {
    const r = await runInProcess(['status', '--help'], {});
    expect(r.stdout).toMatch(/^Exit codes: 0 ok, 1 a command has not run within --max-age.*, 7 it runs but has not succeeded within --max-age/m);
    expect(r.stdout).toMatch(/Examples:\n {2}evalai-autoscaler status/);
  });
});

describe('usage errors start with the command name', () => {
  it.each([
    [['scale-workers', '--bogus'], /^scale-workers: usage error: unknown option '--bogus'$/],
    [['scale-workers', '--env', 'staginf'], /^scale-workers: usage error: option '--env <name>' argument 'staginf' is invalid\. expected one of dev, staging, prod, production$/],
    [['cancel-stale', '--older-than', '14'], /^cancel-stale: usage error: .*--older-than.*with a unit/],
    [['stop-idle', '--action', 'x'], /^stop-idle: usage error: .*--action.*delete, stop/],
    [['status', '--max-age', 'soon'], /^status: usage error: .*--max-age/],
    [['bogus'], /^evalai-autoscaler: usage error: unknown command 'bogus'$/],
  ])('%j', async (argv, first) => {
    const r = await runInProcess(argv, {});
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(first);
    expect(lines.slice(1)).toEqual([`(${argv[0] === 'bogus' ? 'evalai-autoscaler' : argv[0]} --help for usage)`]);
    expect(r.stdout).toBe('');
  });

  it('a configuration error reads the same way', async () => {
    const r = await runInProcess(['scale-workers'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scale-workers: configuration error: API_HOST_URL is not set/);
  });
});

describe('scale-pool --help', () => {
  it('shows scale-pool\'s own exit codes (pools, not challenges), on the command and each subcommand', async () => {
    for (const argv of [['scale-pool', '--help'], ['scale-pool', 'run', '--help'], ['scale-pool', 'status', '--help']]) {
      const r = await runInProcess(argv, {});
      expect(r.code).toBe(0);
      const line = /^Exit codes: .*$/m.exec(r.stdout)?.[0] ?? '';
      expect(line).toContain('1 a pool failed');
      expect(line).toContain('3 no pool could be listed');
      expect(line).toContain('5 deadline passed with pools not started');
      expect(line).not.toMatch(/challenges|EvalAI unreachable/);
    }
  });

  it('the top-level help does not call scale-pool EC2-only', async () => {
    const r = await runInProcess(['--help'], {});
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/scale-pool keep a pool of hosts .*or SLURM jobs from Ray/);
    expect(help).not.toContain('pool of EC2 hosts');
  });
});
