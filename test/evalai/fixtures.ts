import { pino } from 'pino';
import { Transport, type TransportOptions } from '../../src/evalai/transport.js';

export const silentLogger = pino({ level: 'silent' });

/** A transport aimed at a test server, with recorded (instant) sleeps instead of real waits. */
export function testTransport(baseUrl: string, token: string, overrides: Partial<TransportOptions> = {}) {
  const sleeps: number[] = [];
  const transport = new Transport({
    baseUrl,
    token,
    timeoutMs: 2_000,
    maxAttempts: 3,
    logger: silentLogger,
    allowWrites: true,
    retryBaseMs: 10,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  return { transport, sleeps };
}
