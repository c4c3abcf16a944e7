import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHost, probeUrl } from '../../src/pool/probe.js';
import { host } from './builders.js';

let server: Server;
let port: number;
/** Requests that never get an answer, ended in afterAll. */
const held: Array<() => void> = [];
/** What the /huge and /bomb answers sent before the client went away. */
const huge = { sent: 0, closedEarly: false, done: Promise.resolve() };
const GIB = 1024 ** 3;
/** The Connection header of the last /conn request. */
let connectionHeader: string | undefined;

/** Streams `total` bytes of a JSON-looking answer, respecting backpressure, and notes whether the client hung up. */
function stream(res: import('node:http').ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let finished!: () => void;
  huge.done = new Promise((r) => (finished = r));
  Object.assign(huge, { sent: 0, closedEarly: false });
  res.on('close', () => {
    huge.closedEarly = huge.sent < total;
    finished();
  });
  const pump = (): void => {
    while (huge.sent < total && !res.destroyed) {
      huge.sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  res.write('{"healthy": true, "jobs": 0, "pad": "');
  pump();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const reply = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (req.url === '/ok') return reply(200, '{"healthy": true, "jobs": 2}');
    if (req.url === '/sick') return reply(200, '{"healthy": false, "jobs": 0}');
    if (req.url === '/500') return reply(500, '{"error": "db down"}');
    if (req.url === '/html') return reply(200, '<html>');
    if (req.url === '/bad-jobs') return reply(200, '{"healthy": true, "jobs": -1}');
    if (req.url === '/hang') return void held.push(() => res.destroy());
    if (req.url === '/empty') return reply(200, '');
    if (req.url === '/conn') {
      connectionHeader = req.headers.connection;
      return reply(200, '{"healthy": true, "jobs": 0}');
    }
    if (req.url === '/trickle') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"healthy": ');
      return void held.push(() => res.destroy());
    }
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"healthy": tr');
      return void setImmediate(() => res.destroy());
    }
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return stream(res, GIB);
    }
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(GIB) });
      return stream(res, GIB);
    }
    if (req.url === '/bomb') {
      // 64 MiB of spaces gzip to about 64 KiB: small on the wire, large once decompressed.
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      return void res.end(gzipSync(Buffer.concat([Buffer.from('{"healthy": true, "jobs": 0, "pad": "'), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('"}')])));
    }
    reply(404, '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const end of held) end();
  await new Promise((resolve) => server.close(resolve));
});

const h = host('i-0abc', 'ready', { privateIp: '127.0.0.1' });
const probe = (path: string, timeoutMs = 2_000) => probeHost(h, { urlTemplate: `http://{privateIp}:${port}${path}`, timeoutMs });

describe('probeUrl', () => {
  it('fills the placeholders from the host', () => {
    expect(probeUrl('http://{privateIp}:8080/status?id={instanceId}', { id: 'i-1', privateIp: '10.0.0.7' })).toEqual({ url: 'http://10.0.0.7:8080/status?id=i-1' });
  });
  it('a host without the address has no URL', () => {
    expect(probeUrl('http://{privateIp}:8080/status', { id: 'i-1' })).toEqual({ error: 'no privateIp for i-1' });
  });
});

describe('probeHost against a local server', () => {
  it('healthy with jobs', async () => {
    expect(await probe('/ok')).toEqual({ ok: true, healthy: true, jobs: 2 });
  });
  it('unhealthy as the host says', async () => {
    expect(await probe('/sick')).toEqual({ ok: true, healthy: false, jobs: 0 });
  });
  it('a non-2xx status is a failed probe', async () => {
    expect(await probe('/500')).toEqual({ ok: false, error: `http://127.0.0.1:${port}/500 answered HTTP 500` });
  });
  it('not JSON is a failed probe', async () => {
    expect(await probe('/html')).toEqual({ ok: false, error: `http://127.0.0.1:${port}/html answered something that is not JSON` });
  });
  it('JSON of the wrong shape names the field', async () => {
    expect(await probe('/bad-jobs')).toMatchObject({ ok: false, error: expect.stringMatching(/answered field jobs: /) });
  });
  it('no answer within the timeout is a failed probe (the server never answers)', async () => {
    expect(await probe('/hang', 200)).toEqual({ ok: false, error: `http://127.0.0.1:${port}/hang: no answer within 200 ms` });
  });
  it('a closed port is a failed probe', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const out = await probeHost(h, { urlTemplate: `http://{privateIp}:${closedPort}/status`, timeoutMs: 2_000 });
    expect(out).toEqual({ ok: false, error: `http://127.0.0.1:${closedPort}/status: connection refused (ECONNREFUSED 127.0.0.1:${closedPort})` });
  });
  it('a port fetch refuses (a "bad port" of the Fetch standard, such as 6000 or 10080) is asked like any other', async () => {
    const bad = createServer((_req, res) => res.end('{"healthy": true, "jobs": 3}'));
    let badPort: number | undefined;
    for (const p of [10080, 6000, 6665, 6666, 6667, 6668, 6669, 6697, 5060, 5061, 4045, 3659, 2049, 1723, 1720, 1719]) {
      const bound = await new Promise<boolean>((resolve) => {
        bad.once('error', () => resolve(false));
        bad.listen(p, '127.0.0.1', () => resolve(true));
      });
      if (bound) {
        badPort = p;
        break;
      }
    }
    expect(badPort).toBeDefined();
    try {
      expect(await probeHost(h, { urlTemplate: `http://{privateIp}:${badPort}/status`, timeoutMs: 2_000 })).toEqual({ ok: true, healthy: true, jobs: 3 });
    } finally {
      await new Promise((resolve) => bad.close(resolve));
    }
  });
  it('an answer cut off mid-body (the host hangs up) is a failed probe', async () => {
    // Node reports the hang-up as a reset on the answer, or only as an answer that never completed.
    expect(await probe('/cut')).toEqual({ ok: false, error: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/cut: (connection reset \(ECONNRESET\)|the connection closed before the whole answer arrived)$/) });
  });
  it('an answer that starts but never ends fails at the timeout: it covers the whole answer, not only its first byte', async () => {
    expect(await probe('/trickle', 200)).toEqual({ ok: false, error: `http://127.0.0.1:${port}/trickle: no answer within 200 ms` });
  });
  it('each probe asks for its connection to be closed after the answer (no keep-alive: open sockets are the probes in flight)', async () => {
    expect(await probe('/conn')).toEqual({ ok: true, healthy: true, jobs: 0 });
    expect(connectionHeader).toBe('close');
  });
  it('an empty answer is a failed probe', async () => {
    expect(await probe('/empty')).toEqual({ ok: false, error: `http://127.0.0.1:${port}/empty answered something that is not JSON` });
  });
  it('an endless answer fails at the cap (64 KiB by default) and the connection is closed: the 1 GiB is never read', async () => {
    expect(await probe('/huge', 60_000)).toEqual({ ok: false, error: `http://127.0.0.1:${port}/huge answered over 64 KiB: not read further` });
    await huge.done;
    expect(huge.closedEarly).toBe(true);
    // What the kernel's socket buffers took before the hang-up, far below the body's size.
    expect(huge.sent).toBeLessThan(64 * 1024 * 1024);
  });
  it('a declared Content-Length over the cap is refused before the body is read', async () => {
    expect(await probe('/declared', 60_000)).toEqual({ ok: false, error: `http://127.0.0.1:${port}/declared answered over 64 KiB: not read further` });
    await huge.done;
    expect(huge.closedEarly).toBe(true);
  });
  it('a small compressed answer that inflates past the cap is cut at the cap', async () => {
    expect(await probe('/bomb', 60_000)).toEqual({ ok: false, error: `http://127.0.0.1:${port}/bomb answered over 64 KiB: not read further` });
  });
  it('the cap is the probe section maxBytes', async () => {
    const small = await probeHost(h, { urlTemplate: `http://{privateIp}:${port}/ok`, timeoutMs: 2_000, maxBytes: 10 });
    expect(small).toEqual({ ok: false, error: `http://127.0.0.1:${port}/ok answered over 10 bytes: not read further` });
  });
  it('no private IP: a failed probe without a request', async () => {
    expect(await probeHost(host('i-2', 'launching'), { urlTemplate: 'http://{privateIp}:1/status', timeoutMs: 100 })).toEqual({ ok: false, error: 'no privateIp for i-2' });
  });
});
