import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChallengeEntry } from '../../src/evalai/challenges.js';
import { runOverChallenges } from '../../src/core/run-challenges.js';
import { aChallenge } from '../builders.js';
import { testTransport } from '../evalai/fixtures.js';

const logger = pino({ level: 'silent' });

async function* entries(n: number): AsyncGenerator<ChallengeEntry> {
  for (let i = 1; i <= n; i++) yield { ok: true, challenge: aChallenge({ id: i }) };
}

describe('challenges are observed --read-concurrency at a time', () => {
  it.each([
    [2, 8, 8],
    [4, undefined, 4],
  ])('concurrency %s, read concurrency %s: %s handlers at a time', async (concurrency, readConcurrency, expected) => {
    let running = 0;
    let peak = 0;
    const r = await runOverChallenges({
      source: entries(40),
      concurrency,
      ...(readConcurrency ? { readConcurrency } : {}),
      logger,
      handle: async (c) => {
        peak = Math.max(peak, ++running);
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
        running--;
        return { challengeId: c.id, action: 'none', reason: 'ok', status: 'unchanged' };
      },
    });
    expect(r.outcomes).toHaveLength(40);
    expect(peak).toBe(expected);
  });
});

/**
 * A server that holds each request until `release` of them are in flight (or all `total` came),
 * then answers them all: the most requests a client has in flight at once is what it sees.
 */
let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
async function holdingServer(release: number, total: number) {
  const seen = { received: 0, inFlight: 0, peak: 0 };
  let held: Array<() => void> = [];
  server = createServer((req, res) => {
    req.resume();
    seen.received++;
    seen.peak = Math.max(seen.peak, ++seen.inFlight);
    held.push(() => {
      seen.inFlight--;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    if (seen.inFlight >= release || seen.received === total) {
      const now = held;
      held = [];
      for (const answer of now) answer();
    }
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

describe('the transport holds writes, not reads, to --concurrency', () => {
  it('five writes with a write concurrency of 2: 2 start, the others wait for them', { timeout: 20_000 }, async () => {
    // The server holds every request until told; `halted` is asked as each write starts.
    let open = false;
    const waiting: Array<() => void> = [];
    let received = 0;
    let arrived: () => void = () => undefined;
    const twoArrived = new Promise<void>((resolve) => (arrived = resolve));
    server = createServer((req, res) => {
      req.resume();
      const answer = () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      if (open) answer();
      else waiting.push(answer);
      if (++received === 2) arrived();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    let started = 0;
    const { transport } = testTransport(url, 'token', {
      writeConcurrency: 2,
      halted: () => {
        started++;
        return undefined;
      },
    });
    const writes = Promise.all(Array.from({ length: 5 }, (_, i) => transport.request({ method: 'PUT', path: `/w/${i}/`, endpoint: 'test write' })));
    await twoArrived;
    expect(started).toBe(2);
    open = true;
    for (const answer of waiting.splice(0)) answer();
    await writes;
    expect(started).toBe(5);
    expect(received).toBe(5);
  });

  it('reads are not held by the write concurrency', { timeout: 20_000 }, async () => {
    const { url, seen } = await holdingServer(6, 6);
    const { transport } = testTransport(url, 'token', { writeConcurrency: 1 });
    await Promise.all(Array.from({ length: 6 }, (_, i) => transport.request({ method: 'GET', path: `/r/${i}/`, endpoint: 'test read' })));
    expect(seen.peak).toBe(6);
  });
});
