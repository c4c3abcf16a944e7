import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { streamLogSink } from '../../src/runtime/log-stream.js';

function capture() {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { destination, text: () => text };
}

describe('log lines stay short whatever the server sent', () => {
  it('every string field and the message are cut and cleaned; the line stays JSON', () => {
    const out = capture();
    const logger = createLogger({ level: 'info', secrets: new Secrets(), command: 'test', sink: streamLogSink(out.destination) });
    logger.warn({ challenge: 1, error: 'E'.repeat(5 * 1024 * 1024), nested: { title: 'a\u001b[31mb\nc' } }, `page said ${'M'.repeat(100_000)}`);
    const line = out.text();
    expect(line.length).toBeLessThan(10_000);
    const parsed = JSON.parse(line) as { error: string; msg: string; nested: { title: string }; challenge: number };
    expect(parsed.error).toMatch(/^E{2000}… \(5242880 characters in all\)$/);
    expect(parsed.msg).toMatch(/… \(100010 characters in all\)$/);
    expect(parsed.nested.title).toBe('ab c');
    expect(parsed.challenge).toBe(1);
  });
});
