import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePoolFile } from '../../src/pool/config.js';
import { fixture } from './interruption-fixtures.js';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/scale-pool.md', import.meta.url)), 'utf8');
const recipe = DOC.split('### Recipe: the interruption queue')[1]!.split('\n### ')[0]!;
const jsonBlocks = [...recipe.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** EventBridge's matching for the patterns used here: a list of values matches one of them; an object matches field by field. */
function matches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.includes(event);
  if (typeof pattern !== 'object' || pattern === null) return false;
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([k, p]) => matches(p, (event as Record<string, unknown>)[k]));
}

describe('docs/scale-pool.md: the interruption queue recipe', () => {
  const objects = jsonBlocks.filter((b) => b.startsWith('{')).map((b) => JSON.parse(b) as Record<string, unknown>);
  const rules = objects.filter((j) => 'source' in j);

  it('has four EventBridge rules, and each documented event is matched by exactly one', () => {
    expect(rules).toHaveLength(4);
    for (const name of ['spot-interruption-warning', 'rebalance-recommendation', 'state-change-terminated', 'health-scheduled-change'] as const) {
      const event = JSON.parse(fixture(name)) as unknown;
      expect(rules.filter((r) => matches(r, event)), name).toHaveLength(1);
    }
  });

  it('the Health rule takes only EC2 scheduled changes', () => {
    const issue = JSON.parse(fixture('health-scheduled-change', (e) => ((e.detail as Record<string, unknown>).eventTypeCategory = 'issue'))) as unknown;
    const rds = JSON.parse(fixture('health-scheduled-change', (e) => ((e.detail as Record<string, unknown>).service = 'RDS'))) as unknown;
    expect(rules.filter((r) => matches(r, issue) || matches(r, rds))).toEqual([]);
  });

  it('the queue policy lets events.amazonaws.com send, and the pool file with the queue is valid', () => {
    const policy = objects.find((j) => 'Statement' in j) as { Statement: Array<Record<string, unknown>> };
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' });
    const backend = jsonBlocks.find((b) => b.startsWith('"backend"'))!;
    const file = parsePoolFile(`{"pools": [{"name": "trainers", "demand": {"type": "sqs", "queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"}, ${backend}, "policy": {"minHosts": 0, "maxHosts": 4}}]}`, 'scale-pool.md');
    expect(file.pools[0]!.backend).toMatchObject({ interruptionQueue: 'https://sqs.us-east-1.amazonaws.com/123456789012/trainers-interruptions' });
  });

  it('the IAM policy section names the two extra actions', () => {
    const iam = DOC.split('## IAM policy')[1]!.split('\n## ')[0]!;
    expect(iam).toMatch(/"Action": \["sqs:ReceiveMessage", "sqs:DeleteMessage"\]/);
  });
});
