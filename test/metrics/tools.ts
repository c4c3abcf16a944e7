import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** The path of an executable on PATH, or null. */
export function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export const HOW_TO_GET = 'apt-get install prometheus prometheus-pushgateway';

/** One line on stderr saying why a test file is skipped and how to run it. */
export function sayMissing(tool: string): void {
  process.stderr.write(`skipped: ${tool} not found; to run these tests: ${HOW_TO_GET}\n`);
}

/** Runs a command with stdin, returns its exit code and output. */
export function run(cmd: string, args: string[], input = ''): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** A TCP port free on 127.0.0.1 a moment ago (taken, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface Gateway {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Starts prometheus-pushgateway on 127.0.0.1 without persistence, and resolves once its /-/ready
 * answers 200; rejects with its output if it exits first (a port taken meanwhile, for one).
 */
export async function startGateway(binary: string): Promise<Gateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`prometheus-pushgateway exited ${code}: ${output}`))));
  exited.catch(() => undefined);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await gone;
  };
  try {
    await Promise.race([exited, waitReady(url)]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

/** Polls /-/ready until it answers 200: the gateway's own signal that it accepts pushes. */
async function waitReady(url: string): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
