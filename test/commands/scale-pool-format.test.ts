import { describe, expect, it } from 'vitest';
import { formatRunHuman, type RunPoolsReport } from '../../src/commands/scale-pool/format.js';

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
