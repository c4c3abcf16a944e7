import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec } from '../../src/runtime/exec.js';

const node = process.execPath;

describe('exec: the one command runner of the SLURM backend', () => {
  it('passes stdin and extra environment, returns stdout', async () => {
    const r = await exec(node, ['-e', 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(s.toUpperCase()+process.env.X_TEST))'], { timeoutMs: 20_000, input: 'abc', env: { X_TEST: '!' } });
    expect(r.stdout).toBe('ABC!');
  });

  it('a non-zero exit carries the command and its stderr', async () => {
    await expect(exec(node, ['-e', 'console.error("sbatch: error: Invalid account\\nsecond line");process.exit(3)'], { timeoutMs: 20_000 })).rejects.toMatchObject({
      message: `${node} -e: exit 3: sbatch: error: Invalid account | second line`,
      exitCode: 3,
    });
  });

  it('a command that does not exist', async () => {
    await expect(exec('/nonexistent/squeue', [], { timeoutMs: 20_000 })).rejects.toThrow('/nonexistent/squeue: cannot run: not found');
  });

  it('a command that hangs is killed at its timeout', async () => {
    // The child never ends by itself: only the timeout can settle this promise.
    await expect(exec(node, ['-e', 'setInterval(()=>{},1000)'], { timeoutMs: 300 })).rejects.toThrow(/: no answer within .*: killed \(its process group too\)$/);
  });
});

describe('exec: a hung command is killed with everything it started', () => {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('a site wrapper whose child hangs holding stdout: the call rejects at the timeout and the child is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-group-'));
    const pidFile = join(dir, 'child.pid');
    const wrapper = join(dir, 'sbatch');
    // The wrapper runs "sbatch" (here: sleep) as a child that inherits stdout, and waits for it.
    writeFileSync(wrapper, `#!/bin/sh\nsleep 1000 &\necho $! > ${pidFile}\nwait\n`);
    chmodSync(wrapper, 0o755);
    let child: number | undefined;
    try {
      await expect(exec(wrapper, ['--parsable'], { timeoutMs: 1_000 })).rejects.toThrow(`${wrapper} --parsable: no answer within 1 s: killed (its process group too)`);
      child = Number(readFileSync(pidFile, 'utf8').trim());
      expect(child).toBeGreaterThan(0);
      // The group got SIGTERM; wait (bounded only against a hang) until the child is reaped.
      for (let i = 0; i < 200 && alive(child); i += 1) await new Promise((r) => setTimeout(r, 50));
      expect(alive(child)).toBe(false);
    } finally {
      if (child && alive(child)) process.kill(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a child that ignores SIGTERM gets SIGKILL after the grace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-group-'));
    const pidFile = join(dir, 'child.pid');
    const wrapper = join(dir, 'sbatch');
    writeFileSync(wrapper, `#!/bin/sh\ntrap '' TERM\nsleep 1000 &\necho $! > ${pidFile}\nwait\n`);
    chmodSync(wrapper, 0o755);
    let child: number | undefined;
    try {
      await expect(exec(wrapper, [], { timeoutMs: 1_000 })).rejects.toThrow(/no answer within 1 s/);
      child = Number(readFileSync(pidFile, 'utf8').trim());
      for (let i = 0; i < 400 && alive(child); i += 1) await new Promise((r) => setTimeout(r, 50));
      expect(alive(child)).toBe(false);
    } finally {
      if (child && alive(child)) process.kill(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 40_000);

  it('a bare command name not on PATH: the message names the PATH it was looked for on', async () => {
    await expect(exec('no-such-squeue-here', [], { timeoutMs: 20_000, env: { PATH: '/usr/bin:/bin' } })).rejects.toThrow('no-such-squeue-here: cannot run: not found on PATH=/usr/bin:/bin');
  });
});
