import { describe, expect, it } from 'vitest';
import { formatRunHuman, formatStatusHuman, type RunPoolsReport } from '../../src/commands/scale-pool/format.js';

const NOW = Date.UTC(2026, 11, 7, 21, 0, 0);

function report(moves: RunPoolsReport['pools'][number]['moves']): RunPoolsReport {
  return {
    command: 'scale-pool run',
    file: 'pools.json',
    dryRun: false,
    startedAt: new Date(NOW).toISOString(),
    finishedAt: new Date(NOW + 1000).toISOString(),
    exitCode: 0,
    errors: [],
    sent: [],
    pools: [
      {
        pool: 'raypool',
        dryRun: false,
        demand: { known: true, n: 4, queued: 4, inFlight: 0, source: 'ray test' },
        desiredHosts: 2,
        why: 'n=4',
        moves,
        launches: { wanted: 0, reason: 'at the desired size', status: 'none', launched: [], attempts: [] },
        terminated: [],
        hosts: { ready: 2 },
        failed: false,
        unavailable: false,
        errors: [],
      },
    ],
  };
}

describe('scale-pool run: the human summary', () => {
  it('starts with the tick\'s time', () => {
    expect(formatRunHuman(report([]), false).split('\n')[0]).toBe('scale-pool run 2026-12-07T21:00:00Z');
  });

  it('without -v still shows a host turned unhealthy, with why (a job retired near its wall time)', () => {
    const reason = 'retired: 4 min of wall time left (replaceBefore 5 min): replaced ahead of time, cancelled once idle';
    const out = formatRunHuman(report([{ hostId: '101', from: 'ready', to: 'unhealthy', reason, at: NOW, status: 'done' }, { hostId: '102', from: 'launching', to: 'ready', reason: 'SLURM says RUNNING', at: NOW, status: 'done' }]), false);
    expect(out).toContain(`  101 ready -> unhealthy [done]: ${reason}`);
    expect(out).not.toContain('102 launching -> ready');
  });
});

describe('scale-pool: an error line keeps its fix', () => {
  // A login node's PATH is long; the hint after it (the field to set) is what the operator needs.
  const path = Array.from({ length: 12 }, (_, i) => `/opt/site/module-${i}/bin`).join(':');
  const error = `observe: squeue: cannot run: not found on PATH=${path}; set backend.commands.squeue to its full path (\`command -v squeue\` in a login shell)`;

  it('in status', () => {
    const out = formatStatusHuman([{ pool: 'hypha-ray', demand: null, desiredHosts: null, why: 'the pool could not be listed', next: [], counts: {}, hosts: [], errors: [error] }]);
    expect(out).toContain(`  error: ${error}\n`);
  });

  it('in run', () => {
    const r = report([]);
    r.pools[0]!.errors = [error];
    expect(formatRunHuman(r, false)).toContain(`  error: ${error}\n`);
  });
});
