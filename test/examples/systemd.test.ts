/** examples/systemd: `systemd-analyze verify` on every unit, and the timers keep the crontab's times. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, cronLines } from './cron-lines.js';

const DIR = join(ROOT, 'examples/systemd');
const COMMANDS = ['scale-workers', 'scale-ec2', 'scale-eks', 'stop-idle', 'cancel-stale'];
const haveSystemd = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;
if (!haveSystemd) console.log('systemd unit check skipped: systemd-analyze is not installed here');

const unit = (name: string) => readFileSync(join(DIR, name), 'utf8');
const value = (text: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
/** The crontab schedules used in the docs, as systemd calendar events. */
const CALENDAR: Record<string, string> = { '*/5 * * * *': '*:0/5', '1-59/5 * * * *': '*:1/5', '2-59/5 * * * *': '*:2/5', '33 * * * *': '*:33', '4 3 * * *': '03:04' };

describe('examples/systemd', () => {
  it('has a service and a timer per command, and nothing else but the env file', () => {
    expect(readdirSync(DIR).sort()).toEqual(['evalai-autoscaler.env', ...COMMANDS.flatMap((c) => [`evalai-${c}.service`, `evalai-${c}.timer`])].sort());
  });

  it.each(COMMANDS)('evalai-%s: the timer has the crontab\'s time, Persistent and RandomizedDelaySec; the service reads the token from a credential', (c) => {
    const timer = unit(`evalai-${c}.timer`);
    const schedule = cronLines('examples/crontab').find((l) => l.job === c)!.schedule;
    expect(value(timer, 'OnCalendar')).toBe(CALENDAR[schedule]);
    expect(value(timer, 'Persistent')).toBe('true');
    expect(value(timer, 'RandomizedDelaySec')).toMatch(/^\d+(s|min)$/);
    const service = unit(`evalai-${c}.service`);
    expect(value(service, 'ExecStart')).toMatch(new RegExp(`^/usr/local/bin/${c}( |$)`));
    expect(value(service, 'LoadCredential')).toBe('staff.token:/etc/evalai/staff.token');
    expect(service).toMatch(/^Environment=AUTH_TOKEN_FILE=%d\/staff\.token$/m);
    expect(service).not.toMatch(/AUTH_TOKEN=/);
  });

  it.skipIf(!haveSystemd)('systemd-analyze verify accepts every unit (ExecStart pointed at this clone\'s bins)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-systemd-'));
    const files = readdirSync(DIR).filter((f) => /\.(service|timer)$/.test(f));
    for (const f of files) {
      writeFileSync(join(dir, f), unit(f).replace(/\/usr\/local\/bin\/([\w-]+)/g, `${ROOT}bin/$1.js`));
    }
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...files.map((f) => join(dir, f))], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
