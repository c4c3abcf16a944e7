import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../runtime/io.js';

const BIN = fileURLToPath(new URL('../../bin/scale-workers.js', import.meta.url));

/**
 * The newcomer's first look: a sandbox EvalAI on 127.0.0.1, then `scale-workers --dry-run` and a
 * real `scale-workers` against it as child processes, exactly as cron would run them.
 */
export async function runDemo(io: CliIO): Promise<number> {
  const { startSandbox } = await import('../sandbox/index.js');
  const { binCommand, describeCounts } = await import('../sandbox/banner.js');
  const sandbox = await startSandbox();
  try {
    io.stdout.write(`Sandbox EvalAI at ${sandbox.url}\n${describeCounts(sandbox.state)}\n\n`);
    // Its own state directory: the demo's lock and status files must not join a real deployment's.
    const stateDir = mkdtempSync(join(tmpdir(), 'evalai-autoscaler-demo-'));
    const env = { ...io.env, API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, ENV: 'prod', LOG_LEVEL: 'warn', EVALAI_AUTOSCALER_STATE_DIR: stateDir };
    let last = 0;
    for (const args of [['--dry-run'], []]) {
      io.stdout.write(`$ API_HOST_URL=${sandbox.url} AUTH_TOKEN=... ENV=prod ${binCommand('scale-workers')} ${args.join(' ')}\n`);
      last = await runChild(BIN, args, env, io);
      io.stdout.write(`(exit ${last})\n\n`);
    }
    const writes = sandbox.requests.filter((r) => r.method !== 'GET');
    io.stdout.write(`The sandbox received ${sandbox.requests.length} requests, ${writes.length} of them changes:\n`);
    for (const r of writes) io.stdout.write(`  ${r.method} ${r.path} -> ${r.status}\n`);
    io.stdout.write(`\nNext: \`${binCommand('evalai-autoscaler')} sandbox\` keeps a sandbox running to try every command by hand; docs/ has a page per command.\n`);
    return last;
  } finally {
    await sandbox.close();
  }
}

function runChild(bin: string, args: string[], env: Record<string, string | undefined>, io: CliIO): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => io.stdout.write(d));
    child.stderr.on('data', (d: Buffer) => io.stderr.write(d));
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}
