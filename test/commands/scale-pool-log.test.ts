import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { logTick } from '../../src/commands/scale-pool/run.js';
import type { TickReport } from '../../src/pool/tick.js';

/** The tick's log lines, as JSON objects. */
function lines(call: (logger: pino.Logger) => void): Array<Record<string, unknown>> {
  let out = '';
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, cb) => ((out += chunk.toString()), cb()) }));
  call(logger);
  logger.flush();
  return out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const report = (terminated: string[]): TickReport =>
  ({ pool: 'p', dryRun: false, demand: null, desiredHosts: 1, why: 'n=0', moves: [], launches: { wanted: 0, reason: '', status: 'none', launched: [], attempts: [] }, terminated, hosts: [], failed: false, errors: [] }) as unknown as TickReport;

describe('scale-pool run: the terminate log line names the call the backend sent', () => {
  it('EC2: TerminateInstances', () => {
    expect(lines((l) => logTick(l, report(['i-1', 'i-2']))).map((l) => l.msg)).toContain('TerminateInstances sent for 2 hosts');
  });

  it('SLURM: scancel, not an EC2 call', () => {
    const msgs = lines((l) => logTick(l, report(['101']), 'scancel')).map((l) => l.msg);
    expect(msgs).toContain('scancel sent for 1 host');
    expect(msgs.join('\n')).not.toContain('TerminateInstances');
  });
});
