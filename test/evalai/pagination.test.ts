import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { listChallenges, type ChallengeEntry } from '../../src/evalai/challenges.js';
import { EvalAIError } from '../../src/evalai/errors.js';
import { testTransport } from './fixtures.js';

let sandbox: Sandbox;
let foreign: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ throttleRatePerMinute: false });
  foreign = await startSandbox({ throttleRatePerMinute: false });
});
afterAll(async () => {
  await sandbox.close();
  await foreign.close();
});
afterEach(() => {
  sandbox.clearFaults();
  sandbox.requests.length = 0;
});

async function collect(it: AsyncIterable<ChallengeEntry>): Promise<{ entries: ChallengeEntry[]; error?: unknown }> {
  const entries: ChallengeEntry[] = [];
  try {
    for await (const e of it) entries.push(e);
  } catch (error) {
    return { entries, error };
  }
  return { entries };
}

const visible = () => [...sandbox.state.challenges.values()].filter((c) => !c.is_disabled).length;
const listPath = '/api/challenges/challenge/all/all/all';

describe('listChallenges', () => {
  it('reads every page of non-disabled challenges, following next', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { entries, error } = await collect(listChallenges(transport));
    expect(error).toBeUndefined();
    expect(visible()).toBeGreaterThan(300);
    expect(entries).toHaveLength(visible());
    expect(entries.every((e) => e.ok)).toBe(true);
    expect(sandbox.requests.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
  });

  it('de-duplicates a challenge repeated across pages', async () => {
    let first: unknown;
    sandbox.fault({ path: listPath, times: 1, fault: { kind: 'transform', fn: (b) => ((first = (b as { results: unknown[] }).results[0]), b) } });
    sandbox.fault({ path: listPath, skip: 1, times: 1, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), results: [first, ...(b as { results: unknown[] }).results] }) } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { entries } = await collect(listChallenges(transport));
    const ids = entries.map((e) => (e.ok ? e.challenge.id : e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(entries).toHaveLength(visible());
  });

  it('never follows a next on another origin, and never sends the token there', async () => {
    sandbox.fault({ path: listPath, fault: { kind: 'foreign-next', origin: foreign.url } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { entries, error } = await collect(listChallenges(transport));
    expect(error).toBeInstanceOf(EvalAIError);
    expect((error as EvalAIError).kind).toBe('unsafe-pagination');
    expect((error as EvalAIError).message).toMatch(/not followed, so the token is not sent there/);
    expect(entries.length).toBe(150); // page 1 was still delivered
    expect(foreign.requests).toHaveLength(0);
  });

  it('stops on a looping next', async () => {
    sandbox.fault({ path: listPath, fault: { kind: 'looping-next' } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { error } = await collect(listChallenges(transport));
    expect((error as EvalAIError).kind).toBe('unsafe-pagination');
    expect((error as EvalAIError).message).toMatch(/leads back to a page already read/);
    expect(sandbox.requests.length).toBe(1);
  });

  it('stops past the page cap', async () => {
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { entries, error } = await collect(listChallenges(transport, {}, { maxPages: 2 }));
    expect((error as EvalAIError).message).toMatch(/more than 2 pages/);
    expect(entries).toHaveLength(300);
  });

  it('yields a challenge with a wrong field type as invalid, naming the field, and the others as valid', async () => {
    sandbox.fault({
      path: listPath,
      times: 1,
      fault: { kind: 'transform', fn: (b) => {
        const body = b as { results: Array<Record<string, unknown>> };
        body.results[1] = { ...body.results[1], workers: 'two' };
        return body;
      } },
    });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { entries } = await collect(listChallenges(transport));
    const invalid = entries.filter((e) => !e.ok);
    expect(invalid).toHaveLength(1);
    expect(!invalid[0]!.ok && invalid[0]!.error.message).toMatch(/challenge \d+: field workers: expected number, received string/);
    expect(entries).toHaveLength(visible());
  });

  it('accepts a null end_date as "no end"', async () => {
    sandbox.fault({ path: listPath, times: 1, fault: { kind: 'transform', fn: (b) => {
      const body = b as { results: Array<Record<string, unknown>> };
      body.results[0] = { ...body.results[0], end_date: null };
      return body;
    } } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { entries } = await collect(listChallenges(transport));
    const first = entries[0]!;
    expect(first.ok && first.challenge.endDate).toBeNull();
  });

  it('a page that cannot be read ends the listing after delivering the earlier pages', async () => {
    sandbox.fault({ path: listPath, skip: 1, fault: { kind: 'html', status: 500 } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff, { maxAttempts: 1 });
    const { entries, error } = await collect(listChallenges(transport));
    expect(entries).toHaveLength(150);
    expect((error as EvalAIError).kind).toBe('server-error');
  });

  it('a malformed envelope is an error naming the field', async () => {
    sandbox.fault({ path: listPath, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), results: 'nope' }) } });
    const { transport } = testTransport(sandbox.url, sandbox.tokens.staff);
    const { error } = await collect(listChallenges(transport));
    expect((error as EvalAIError).message).toMatch(/malformed response: field page 1.results: expected array/);
  });
});
