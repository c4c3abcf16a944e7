import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createUnzip } from 'node:zlib';

/** A response body over the cap: the call fails as a malformed response, nothing of it is kept. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    /** "declared" (Content-Length), "received" (bytes on the wire) or "decompressed". */
    readonly stage: 'declared' | 'received' | 'decompressed',
  ) {
    super(`response body over ${formatBytes(limit)} (${stage})`);
    this.name = 'BodyTooLargeError';
  }
}

/** A Content-Encoding this client does not decode. */
export class UnsupportedEncodingError extends Error {
  constructor(readonly encoding: string) {
    super(`unsupported Content-Encoding "${encoding}"`);
    this.name = 'UnsupportedEncodingError';
  }
}

/**
 * Reads a response body as UTF-8 text, counting bytes before decompression (as received) and after
 * (what would be held in memory), and stopping as soon as either passes `limit`: a small gzip body
 * that inflates to gigabytes is cut after `limit` bytes of output, not read to the end. A
 * Content-Length over the limit is refused before any byte is read.
 */
export async function readCappedBody(raw: Readable, headers: Record<string, unknown>, limit: number): Promise<string> {
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    raw.destroy();
    throw new BodyTooLargeError(limit, 'declared');
  }
  const encoding = String(headers['content-encoding'] ?? '').trim().toLowerCase();
  const chunks: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _enc, done: (error?: Error | null) => void) {
      chunks.push(chunk);
      done();
    },
  });
  const stages: Array<NodeJS.ReadWriteStream> = [counter(limit, 'received')];
  if (encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate') stages.push(createUnzip());
  else if (encoding === 'br') stages.push(createBrotliDecompress());
  else if (encoding !== '' && encoding !== 'identity') {
    raw.destroy();
    throw new UnsupportedEncodingError(encoding);
  }
  if (stages.length > 1) stages.push(counter(limit, 'decompressed'));
  try {
    await pipeline([raw, ...stages, collect]);
  } finally {
    raw.destroy();
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function counter(limit: number, stage: 'received' | 'decompressed'): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      total += chunk.length;
      if (total > limit) done(new BodyTooLargeError(limit, stage));
      else done(null, chunk);
    },
  });
}

/** 33554432 -> "32 MiB"; 1500 -> "1500 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
