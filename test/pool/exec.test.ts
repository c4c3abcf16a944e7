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
    await expect(exec(node, ['-e', 'setInterval(()=>{},1000)'], { timeoutMs: 300 })).rejects.toThrow(/: no answer within .*: killed$/);
  });
});
