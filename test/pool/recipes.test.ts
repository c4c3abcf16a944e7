import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePoolFile, readPoolJson, validatePoolJson } from '../../src/pool/config.js';
import { fillPool, fromPulumiSchema, type PulumiValues } from '../../src/pool/pulumi-outputs.js';
import { probeHost } from '../../src/pool/probe.js';
import { host } from './builders.js';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/scale-pool.md', import.meta.url)), 'utf8');

function recipe(title: string): string {
  const section = DOC.split(`### Recipe: ${title}`)[1]!.split('\n### ')[0]!;
  return section;
}

/** A page's pool file, with its `fromPulumi` outputs answered by a made-up stack (a plain value of each field's kind). */
function parseWithStack(text: string) {
  const json = readPoolJson(text, 'scale-pool.md') as { pools: Array<Record<string, unknown>> };
  const read = new Map<number, PulumiValues>();
  json.pools.forEach((pool, i) => {
    if (!pool.fromPulumi) return;
    const config = fromPulumiSchema.parse(pool.fromPulumi);
    const made = (field: string, output: string): string =>
      field.endsWith('queueUrl') ? `https://sqs.us-east-1.amazonaws.com/123456789012/${output}` : field.endsWith('region') ? 'us-east-1' : `${output}-value`;
    const outputs = Object.fromEntries(Object.entries(config.outputs).map(([field, output]) => [output, made(field, output)]));
    read.set(i, fillPool(pool, config, outputs));
  });
  return validatePoolJson(json, 'scale-pool.md', read);
}

describe('docs/scale-pool.md recipes', () => {
  it('every pool file in the page is a valid pool file', () => {
    // The schematic one-liner ({…}) of "The pool file" is not a file.
    const blocks = [...DOC.matchAll(/```json\n(\{"pools"[\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => !b.includes('…'));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of blocks) expect(() => parseWithStack(b)).not.toThrow();
  });

  it('the Pulumi recipe of seed 002 fills a launch and both shapes\' queues from the stack', () => {
    const b = [...DOC.matchAll(/```json\n(\{"pools"[\s\S]*?)```/g)].map((m) => m[1]!).find((x) => x.includes('fromPulumi'))!;
    const file = parseWithStack(b);
    expect(file.pools.map((p) => [p.name, (p.demand as { queueUrl: string }).queueUrl])).toEqual([
      ['trainers.cpu', 'https://sqs.us-east-1.amazonaws.com/123456789012/cpu_queue_url'],
      ['trainers.gpu', 'https://sqs.us-east-1.amazonaws.com/123456789012/gpu_queue_url'],
    ]);
  });

  it('seed 002\'s recipe has a probe, says why, and the answer it shows is what the probe accepts', async () => {
    const text = recipe('seed 002');
    const file = parsePoolFile(/```json\n([\s\S]*?)```/.exec(text)![1]!, 'scale-pool.md');
    expect(file.pools[0]!.probe?.url).toBe('http://{privateIp}:8080/status');
    expect(text).toMatch(/deletes its SQS message\s+when a job \*starts\*/);
    expect(text).toMatch(/killed?\s+mid-training|kill it mid-training/);
    const shown = /as `(\{"healthy": true, "jobs": N\})`/.exec(text)![1]!;
    const answer = shown.replace('N', '2');
    const fetch = (() => Promise.resolve(new Response(answer, { status: 200, headers: { 'content-type': 'application/json' } }))) as typeof globalThis.fetch;
    expect(await probeHost(host('i-1', 'ready', { privateIp: '10.0.0.5' }), { urlTemplate: file.pools[0]!.probe!.url, timeoutMs: 1000, fetch })).toEqual({ ok: true, healthy: true, jobs: 2 });
  });
});
