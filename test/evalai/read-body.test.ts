import { Readable } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, readCappedBody, UnsupportedEncodingError } from '../../src/evalai/read-body.js';
import { largeBodyChunks } from '../../src/sandbox/faults.js';

const MiB = 1024 * 1024;

/** A stream that counts how many of its chunks were pulled: a capped read stops pulling early. */
function counted(chunks: Iterable<Buffer>) {
  const seen = { chunks: 0, bytes: 0 };
  const stream = Readable.from(
    (function* () {
      for (const c of chunks) {
        seen.chunks++;
        seen.bytes += c.length;
        yield c;
      }
    })(),
  );
  return { stream, seen };
}

describe('readCappedBody: response bodies capped before and after decompression', () => {
  it('reads plain, gzip, deflate and brotli bodies (and a multi-member gzip) under the cap', async () => {
    const json = '{"count": 1, "title": "é"}';
    expect(await readCappedBody(Readable.from([Buffer.from(json)]), {}, MiB)).toBe(json);
    expect(await readCappedBody(Readable.from([gzipSync(json)]), { 'content-encoding': 'gzip' }, MiB)).toBe(json);
    expect(await readCappedBody(Readable.from([deflateSync(json)]), { 'content-encoding': 'deflate' }, MiB)).toBe(json);
    expect(await readCappedBody(Readable.from([brotliCompressSync(json)]), { 'content-encoding': 'br' }, MiB)).toBe(json);
    const members = Buffer.concat([gzipSync('{"a":'), gzipSync('1}')]);
    expect(await readCappedBody(Readable.from([members]), { 'content-encoding': 'gzip' }, MiB)).toBe('{"a":1}');
  });

  it('a body cut short (the socket closed or failed mid-way) is an error, never the part that arrived', async () => {
    for (const encoding of ['', 'gzip']) {
      const part = encoding ? gzipSync('{"results": [1, 2, 3]}').subarray(0, 12) : Buffer.from('{"results": [1, ');
      const closed = new Readable({ read() {} });
      closed.push(part);
      setImmediate(() => closed.destroy());
      await expect(readCappedBody(closed, { 'content-encoding': encoding }, MiB), `closed, encoding "${encoding}"`).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
      const failed = new Readable({ read() {} });
      failed.push(part);
      setImmediate(() => failed.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
      await expect(readCappedBody(failed, { 'content-encoding': encoding }, MiB), `failed, encoding "${encoding}"`).rejects.toMatchObject({ code: 'ECONNRESET' });
    }
  });

  it('refuses a declared Content-Length over the cap before reading any of it', async () => {
    const { stream, seen } = counted([Buffer.alloc(10)]);
    await expect(readCappedBody(stream, { 'content-length': String(2 * MiB) }, MiB)).rejects.toMatchObject({ stage: 'declared', limit: MiB });
    expect(seen.chunks).toBe(0);
  });

  it('stops a body without Content-Length as soon as the bytes received pass the cap', async () => {
    const { stream, seen } = counted(largeBodyChunks({ kind: 'oversized', bytes: 100 * MiB }));
    const err = await readCappedBody(stream, {}, 2 * MiB).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect(err).toMatchObject({ stage: 'received' });
    // Read past the cap by what the streams buffer (up to 16 chunks of 1 MiB), never the 100 MiB.
    expect(seen.bytes).toBeLessThan(40 * MiB);
  });

  it('stops a 500 MB gzip bomb (~0.5 MB on the wire) after the cap of output, without inflating it in memory', async () => {
    const bomb = { kind: 'gzip-bomb' as const, inflatedBytes: 500 * MiB };
    const { stream, seen } = counted(largeBodyChunks(bomb));
    const rssBefore = process.resourceUsage().maxRSS; // KiB, high-water mark of the process
    const err = await readCappedBody(stream, { 'content-encoding': 'gzip' }, 4 * MiB).catch((e: unknown) => e);
    const grownMiB = (process.resourceUsage().maxRSS - rssBefore) / 1024;
    expect(err).toMatchObject({ stage: 'decompressed', limit: 4 * MiB });
    // Not read to the end (502 members). How far it read ahead is stream buffering, which differs by
    // Node version and load (about 40 on Node 20, up to 190 seen on Node 24 under load): no bound on it.
    expect(seen.chunks).toBeLessThan(502);
    expect(grownMiB).toBeLessThan(100);
  });

  it('a Content-Encoding it cannot decode is an error, not garbage', async () => {
    await expect(readCappedBody(Readable.from([Buffer.from('x')]), { 'content-encoding': 'zz-unknown' }, MiB)).rejects.toBeInstanceOf(UnsupportedEncodingError);
  });

  it('the sandbox bomb inflates to exactly the size it says, as valid JSON', async () => {
    const text = await readCappedBody(Readable.from(largeBodyChunks({ kind: 'gzip-bomb', inflatedBytes: 3 * MiB + 5 })), { 'content-encoding': 'gzip' }, 4 * MiB);
    expect(text.length).toBe(3 * MiB + 5);
    expect(JSON.parse(text)).toEqual({});
  });
});
