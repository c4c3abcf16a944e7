/**
 * `evalai-autoscaler sandbox` as a newcomer meets it: the banner's commands run exactly as printed
 * (from the repository root), its count is the one the commands report, and it says what needs AWS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_STATE_DIR } from '../integration/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let child: ChildProcess;
let banner = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['bin/evalai-autoscaler.js', 'sandbox'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      banner += d.toString();
      if (banner.includes('Press Ctrl-C to stop.')) resolve();
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`sandbox exited ${code}: ${banner}`)));
  });
});
afterAll(() => {
  child.removeAllListeners('exit');
  child.kill('SIGTERM');
});

function sh(script: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, EVALAI_AUTOSCALER_STATE_DIR: TEST_STATE_DIR, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout }));
  });
}

describe('the sandbox banner', () => {
  it('every command under "Try" runs as printed from the repository, and reports the count the banner announces', async () => {
    const tryBlock = banner.split('Try, in another terminal from this directory:\n')[1]!.split('\n\n')[0]!.split('\n');
    const [exportLine, ...commands] = tryBlock.map((l) => l.trim());
    expect(exportLine).toMatch(/^export API_HOST_URL=http:\/\/127\.0\.0\.1:\d+ AUTH_TOKEN=\S+ ENV=prod$/);
    expect(commands.length).toBe(4);
    const reported = Number(/each command reports (\d+)/.exec(banner)?.[1]);
    for (const command of commands) {
      expect(command).toMatch(/^node bin\/[\w-]+\.js /);
      const r = await sh(`${exportLine}\n${command.replace(/#.*$/, '')}`);
      expect([0, 1], `${command}: exit ${r.code}`).toContain(r.code);
      expect(r.stdout).toMatch(new RegExp(`\\(dry run\\): ${reported} challenges, `));
    }
  });

  it('explains why the count is one less than the seed', () => {
    expect(banner).toMatch(/^323 challenges seeded; the challenge list shows 322, so each command reports 322: EvalAI leaves disabled challenges out of every list, and challenge 320 is disabled/m);
  });

  it('says which commands need AWS and how to aim them at an endpoint', () => {
    expect(banner).toMatch(/These need AWS, which the sandbox does not have: scale-eks .* and scale-ec2 --via aws/);
    expect(banner).toMatch(/AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+ .*\n.*node bin\/scale-eks\.js --dry-run/);
  });
});
