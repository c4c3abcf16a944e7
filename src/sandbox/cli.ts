/** Starts a sandbox for a person to play with and prints how to point the tools at it. */
import { bannerLines } from './banner.js';
import { startSandbox, type Sandbox } from './server.js';

export async function runSandbox(opts: { host?: string; port?: number }, out: NodeJS.WritableStream): Promise<Sandbox> {
  const sandbox = await startSandbox({
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
  });
  const lines = bannerLines(sandbox.url, sandbox.state, sandbox.tokens);
  out.write(lines.join('\n'));
  return sandbox;
}
