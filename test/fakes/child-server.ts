import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 a moment ago (taken, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * Starts a real server program (prometheus-pushgateway, moto_server) and resolves once `readyUrl`
 * answers 200, its own signal that it accepts requests; rejects with the end of its stderr if it
 * exits first (a port taken meanwhile, for one). `stop` ends it and waits for the exit.
 */
export async function startServerProcess(binary: string, args: readonly string[], readyUrl: string): Promise<{ stop: () => Promise<void> }> {
  const name = binary.split('/').pop();
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${name} exited ${code}: ${output}`))));
  exited.catch(() => undefined);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await gone;
  };
  try {
    await Promise.race([exited, waitReady(readyUrl)]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}

async function waitReady(url: string): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
