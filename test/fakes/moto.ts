import { spawnSync } from 'node:child_process';
import { freePort, startServerProcess } from './child-server.js';

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

/**
 * Starts moto_server and resolves once it answers; rejects with its output if it exits first (a port
 * taken meanwhile, for one). Call `stop` in afterAll.
 */
export async function startMoto(binary = motoServer): Promise<Moto> {
  if (!binary) throw new Error('moto_server not found');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const { stop } = await startServerProcess(binary, ['-H', '127.0.0.1', '-p', String(port)], `${endpoint}/moto-api/`);
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
