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
  if (encoding === '' || encoding === 'identity') return toText(await readPlain(raw, limit));
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
  else {
    raw.destroy();
    throw new UnsupportedEncodingError(encoding);
  }
  stages.push(counter(limit, 'decompressed'));
  try {
    await pipeline([raw, ...stages, collect]);
  } finally {
    raw.destroy();
  }
  return toText(chunks);
}

/**
 * An uncompressed body (EvalAI's usual answer), read without a pipeline: stream.pipeline makes an
 * AbortController per call and aborts it at the end, and the DOMException that abort creates (a
 * stack trace each) was the largest single cost of cancel-stale's 10,000 reads (issue 13). The
 * iterator fails on an error or a premature close of the socket as the pipeline did.
 */
async function readPlain(raw: Readable, limit: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > limit) throw new BodyTooLargeError(limit, 'received');
      chunks.push(chunk);
    }
  } finally {
    raw.destroy();
  }
  return chunks;
}

function toText(chunks: Buffer[]): string {
  const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
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
