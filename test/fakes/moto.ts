import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * The AWS emulator the pool's EC2, SQS and S3 paths are tested against: moto's standalone server
 * (`moto_server`, the Python package moto 5), started on 127.0.0.1 for one test file. It speaks the
 * real wire protocols, so the real SDK clients talk to it through `endpoint`.
 *
 * Where moto_server is not installed, `motoServer()` is null and the file skips, saying so in one line.
 */
export const motoServer: string | null = (() => {
  const r = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
})();

export const MOTO_HOW_TO_GET = 'pip install "moto[server]" (moto 5), which puts moto_server on PATH';

/** One line on stderr saying why a test file is skipped and how to run it. */
export function sayMotoMissing(): void {
  process.stderr.write(`skipped: moto_server not found; to run these tests: ${MOTO_HOW_TO_GET}\n`);
}

export interface Moto {
  /** http://127.0.0.1:PORT, for the SDK clients' `endpoint` (or AWS_ENDPOINT_URL in a child). */
  endpoint: string;
  /** Settings for a real SDK client against the emulator. */
  clientConfig: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Forgets every resource (moto's reset API), between tests. */
  reset: () => Promise<void>;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * Starts moto_server and resolves once it answers; rejects with its output if it exits first (a port
 * taken meanwhile, for one). Call `stop` in afterAll.
 */
export async function startMoto(binary = motoServer): Promise<Moto> {
  if (!binary) throw new Error('moto_server not found');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`moto_server exited ${code}: ${output}`))));
  exited.catch(() => undefined);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await gone;
  };
  try {
    await Promise.race([exited, waitReady(endpoint)]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    clientConfig: { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    reset: async () => {
      const r = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!r.ok) throw new Error(`moto reset answered ${r.status}`);
    },
    stop,
  };
}

/** Polls moto's own API until it answers: the server's signal that it accepts requests. */
async function waitReady(endpoint: string): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(`${endpoint}/moto-api/`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
