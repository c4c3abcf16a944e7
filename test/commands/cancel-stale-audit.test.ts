/**
 * cancel-stale's audit log under failure: a line not written whole stops that cancel; an answer the
 * server may have acted on is `cancel-unknown`, never "refused"; the next run reconciles every open
 * cancellation by reading the submission, so the log ends true.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeAuditFs, type AuditFs } from '../../src/commands/cancel-stale/audit-log.js';
import type { AuditRecord } from '../../src/commands/cancel-stale/notice.js';
import { cancelStalePolicy } from '../../src/commands/cancel-stale/policy.js';
import { runCancelStale } from '../../src/commands/cancel-stale/run.js';
import { exitCodeFor } from '../../src/core/exit.js';
import type { Outcome } from '../../src/core/outcome.js';
import { ActionGuard } from '../../src/runtime/action-guard.js';
import { systemClock, type RunContext } from '../../src/runtime/context.js';
import { Deadline } from '../../src/runtime/deadline.js';
import { Secrets } from '../../src/runtime/secrets.js';
import type { LostAnswer } from '../../src/sandbox/faults.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { silentLogger, testTransport } from '../evalai/fixtures.js';

const STALE = SEEDED.staleSubmissions;
const ids = SEEDED.submissions;
const EXPECTED_STALE = [ids.staleSubmitted, ids.staleRunning, ids.staleResuming, ids.staleWholeSecond, ids.staleOtherParticipant].sort();
const PUT_PATH = `/api/jobs/challenge/${STALE}/update_submission/`;

let sandbox: Sandbox;
let auditPath: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  auditPath = join(mkdtempSync(join(tmpdir(), 'cancel-stale-audit-')), 'audit.jsonl');
});
afterEach(() => sandbox.close());

interface RunOpts {
  token?: string;
  auditFs?: AuditFs;
  readAuditLog?: (path: string) => string;
  timeoutMs?: number;
}

async function run(opts: RunOpts = {}) {
  const { transport } = testTransport(sandbox.url, opts.token ?? sandbox.tokens.staff, { timeoutMs: opts.timeoutMs ?? 5_000 });
  const ctx: RunContext = { transport, logger: silentLogger, secrets: new Secrets(), now: systemClock, dryRun: false, concurrency: 4, maxPages: 10, only: new Set([STALE]), deadline: Deadline.never(), guard: new ActionGuard(1000) };
  const result = await runCancelStale(ctx, cancelStalePolicy({}), { auditLogPath: auditPath, ...(opts.auditFs ? { auditFs: opts.auditFs } : {}), ...(opts.readAuditLog ? { readAuditLog: opts.readAuditLog } : {}) });
  return { result, exit: exitCodeFor(result), subs: result.outcomes.filter((o) => o.submissionId !== undefined) };
}

const lines = () => readFileSync(auditPath, 'utf8').split('\n').filter(Boolean);
const audit = () => lines().map((l) => JSON.parse(l) as AuditRecord & Record<string, unknown>);
const eventsOf = (id: number) => audit().filter((l) => l.submissionId === id).map((l) => (l.event === 'reconciled' ? `reconciled ${String(l.result)}` : l.event));
const putIds = () => sandbox.requests.filter((r) => r.method === 'PUT').map((r) => Number((r.body as Record<string, string>).submission));
const byId = (outcomes: Outcome[], id: number, action = 'cancel') => outcomes.filter((o) => o.submissionId === id && o.action === action);
const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

/** node:fs, except that the first write of the intent for `victim` goes as `fail` says. */
function failingFs(victim: number, fail: (fd: number, buf: Uint8Array, off: number, len: number, call: number) => number): AuditFs {
  let call = 0;
  let failing = false;
  return {
    ...nodeAuditFs,
    writeSync(fd, buf, off, len) {
      const text = Buffer.from(buf).toString('utf8');
      if (off === 0 && text.includes('"about-to-cancel"') && text.includes(`"submissionId":${victim},`) && call === 0) failing = true;
      if (!failing) return nodeAuditFs.writeSync(fd, buf, off, len);
      call++;
      let n = 0;
      try {
        n = fail(fd, buf, off, len, call);
      } finally {
        if (off + n >= buf.length || n <= 0) failing = false;
      }
      return n;
    },
  };
}

describe('the intent line must be written whole before the PUT', () => {
  it('a line cut short at 352 bytes, then ENOSPC: that submission is not cancelled, it fails, and no partial line is left', async () => {
    const victim = ids.staleRunning;
    const fsLayer = failingFs(victim, (fd, buf, off, _len, call) => {
      if (call === 1) return nodeAuditFs.writeSync(fd, buf, off, 352);
      throw errno('ENOSPC');
    });
    const { subs, exit } = await run({ auditFs: fsLayer });
    expect(putIds()).not.toContain(victim);
    expect(putIds().sort()).toEqual(EXPECTED_STALE.filter((id) => id !== victim));
    expect(byId(subs, victim)).toMatchObject([{ status: 'failed', reason: expect.stringMatching(/^audit log .* could not be written; not cancelled$/), error: expect.stringMatching(/352 of \d+ bytes written: ENOSPC/) }]);
    expect(exit).toBe(1);
    // Every line parses (the fragment was cut off again) and nothing is recorded about the victim.
    expect(() => audit()).not.toThrow();
    expect(eventsOf(victim)).toEqual([]);
    expect(audit().filter((l) => l.event === 'cancelled')).toHaveLength(EXPECTED_STALE.length - 1);
  });

  it('a write that keeps making no progress is a failure, not a loop', async () => {
    const victim = ids.staleSubmitted;
    const { subs } = await run({ auditFs: failingFs(victim, () => 0) });
    expect(putIds()).not.toContain(victim);
    expect(byId(subs, victim)[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/0 of \d+ bytes written/) });
  });

  it.each([
    ['the write fails (EIO)', { writeSync: () => { throw errno('EIO'); } }],
    ['the flush to disk fails (EIO)', { fdatasyncSync: () => { throw errno('EIO'); } }],
  ])('%s: nothing is cancelled, every candidate fails, the file is left empty', async (_what, override) => {
    const { subs, exit } = await run({ auditFs: { ...nodeAuditFs, ...override } as AuditFs });
    expect(putIds()).toEqual([]);
    expect(subs.filter((o) => o.status === 'failed').map((o) => o.submissionId).sort()).toEqual(EXPECTED_STALE);
    expect(exit).toBe(1);
    expect(readFileSync(auditPath, 'utf8')).toBe('');
  });

  it('a torn line that cannot be cut back: the next line starts on a line of its own', async () => {
    const victim = ids.staleRunning;
    const fsLayer: AuditFs = {
      ...failingFs(victim, (fd, buf, off, _len, call) => {
        if (call === 1) return nodeAuditFs.writeSync(fd, buf, off, 100);
        throw errno('ENOSPC');
      }),
      ftruncateSync: () => {
        throw errno('EIO');
      },
    };
    await run({ auditFs: fsLayer });
    expect(putIds()).not.toContain(victim);
    const raw = lines();
    // The fragment, alone on its line: the next intent is not glued to it.
    expect(raw.filter((l) => !isJson(l)).map((l) => Buffer.byteLength(l))).toEqual([100]);
    expect(raw.filter(isJson).filter((l) => (JSON.parse(l) as { event: string }).event === 'about-to-cancel')).toHaveLength(EXPECTED_STALE.length - 1);
    expect(raw.filter(isJson).filter((l) => (JSON.parse(l) as { event: string }).event === 'cancelled')).toHaveLength(EXPECTED_STALE.length - 1);
    // The next run skips the fragment and finds nothing open.
    const next = await run();
    expect(next.subs.filter((o) => o.action === 'reconcile')).toEqual([]);
  });
});

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

describe('an answer the server may have acted on is cancel-unknown, then reconciled', () => {
  const victim = ids.staleSubmitted;
  /** The first PUT (the victim's: 90001 comes first in the listing) gets the fault. */
  const faultFirstPut = (fault: Parameters<Sandbox['fault']>[0]['fault']) => sandbox.fault({ method: 'PUT', path: PUT_PATH, times: 1, fault });

  it.each<[string, LostAnswer]>([
    ['a 500 after cancelling', 'server-error'],
    ['an HTML 200 after cancelling', 'html'],
    ['truncated JSON after cancelling', 'truncated'],
    ['a connection reset after cancelling', 'reset'],
  ])('%s: cancel-unknown (not "refused"); the next run reads it and records that it was cancelled', async (_what, answer) => {
    faultFirstPut({ kind: 'after-view', answer });
    const first = await run();
    expect(sandbox.state.submissions.get(victim)!.status).toBe('cancelled');
    expect(byId(first.subs, victim)).toMatchObject([{ status: 'failed', reason: expect.stringMatching(/may or may not have been cancelled; the next run checks/) }]);
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'cancel-unknown']);
    expect(first.exit).toBe(1);

    const second = await run();
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'cancel-unknown', 'reconciled cancelled']);
    expect(byId(second.subs, victim, 'reconcile')).toMatchObject([{ status: 'done', reason: expect.stringMatching(/it was cancelled/) }]);
    expect(second.exit).toBe(0);
    expect(putIds().filter((id) => id === victim)).toHaveLength(1);

    const third = await run();
    expect(third.subs.filter((o) => o.action === 'reconcile')).toEqual([]);
  });

  it('no answer within the timeout after cancelling (a hang): cancel-unknown, then reconciled as cancelled', async () => {
    faultFirstPut({ kind: 'after-view', answer: 'hang' });
    // The answer never comes: the client's timeout ends the PUT (3 s: ample for the request to reach the view).
    const first = await run({ timeoutMs: 3_000 });
    expect(byId(first.subs, victim)[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/no answer within 3 s/) });
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'cancel-unknown']);
    await run();
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'cancel-unknown', 'reconciled cancelled']);
  });

  it('a 500 from a proxy that never reached EvalAI is also cancel-unknown; the next run finds it not cancelled and cancels it', async () => {
    faultFirstPut({ kind: 'html', status: 502 });
    await run();
    expect(sandbox.state.submissions.get(victim)!.status).toBe('submitted');
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'cancel-unknown']);
    const second = await run();
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'cancel-unknown', 'reconciled not-cancelled', 'about-to-cancel', 'cancelled']);
    expect(byId(second.subs, victim, 'reconcile')).toMatchObject([{ status: 'done', reason: expect.stringMatching(/it was not cancelled/) }]);
    expect(byId(second.subs, victim)).toMatchObject([{ status: 'done' }]);
  });

  it.each([
    ['a 400 domain refusal', { kind: 'status' as const, status: 400, body: { error: 'Sorry, you are not authorized to make this request!' } }],
    ['a 429 past its Retry-After budget', { kind: 'throttle' as const, retryAfter: 3600 }],
  ])('%s is cancel-failed: nothing changed, nothing to reconcile', async (_what, fault) => {
    faultFirstPut(fault);
    await run();
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'cancel-failed']);
    const second = await run();
    expect(second.subs.filter((o) => o.action === 'reconcile')).toEqual([]);
  });

  it.each([
    ['staff (not a host: by id is refused, the cancelled listing tells)', () => sandbox.tokens.staff, 'listing'],
    ['a host of the challenge (read by id)', () => sandbox.tokens.host(4), 'id'],
  ])('reads the submission as %s', async (_what, token, readBy) => {
    faultFirstPut({ kind: 'after-view', answer: 'reset' });
    await run({ token: token() });
    await run({ token: token() });
    expect(audit().find((l) => l.event === 'reconciled')).toMatchObject({ submissionId: victim, result: 'cancelled', readBy });
  });
});

describe('reconciliation of a log left open by an earlier run', () => {
  const intent = (run: string, submissionId: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ event: 'about-to-cancel', time: '2026-11-01T00:00:00Z', run, origin: new URL(sandbox.url).origin, challengeId: STALE, submissionId, previousStatus: 'running', ...extra });

  it('a run that died after its intent line (no result): the next run records what happened', async () => {
    sandbox.state.submissions.get(ids.staleRunning)!.status = 'cancelled'; // its PUT went through before it died
    writeFileSync(auditPath, `${intent('dead-run', ids.staleRunning)}\n${intent('dead-run', ids.freshRunning)}\n`);
    const { subs } = await run();
    const reconciled = audit().filter((l) => l.event === 'reconciled');
    expect(reconciled).toMatchObject([
      { run: 'dead-run', submissionId: ids.staleRunning, result: 'cancelled', origin: new URL(sandbox.url).origin },
      { run: 'dead-run', submissionId: ids.freshRunning, result: 'not-cancelled' },
    ]);
    expect(reconciled.every((l) => typeof l.reconciledBy === 'string' && l.reconciledBy !== 'dead-run')).toBe(true);
    expect(subs.filter((o) => o.action === 'reconcile').map((o) => o.status)).toEqual(['done', 'done']);
  });

  it('the submission cannot be read: "unknown" (exit 1), tried again by the next run', async () => {
    writeFileSync(auditPath, `${intent('dead-run', ids.freshRunning)}\n`);
    // Every attempt of the reconciliation's listing (a GET is tried 3 times).
    sandbox.fault({ method: 'GET', path: `/api/jobs/challenge/${STALE}/submission/`, times: 3, fault: { kind: 'html', status: 500 } });
    const first = await run();
    expect(eventsOf(ids.freshRunning)).toEqual(['about-to-cancel', 'reconciled unknown']);
    expect(byId(first.subs, ids.freshRunning, 'reconcile')).toMatchObject([{ status: 'failed', reason: expect.stringMatching(/still unknown/), error: expect.stringMatching(/HTTP 500/) }]);
    expect(first.exit).toBe(1);
    const second = await run();
    expect(eventsOf(ids.freshRunning)).toEqual(['about-to-cancel', 'reconciled unknown', 'reconciled not-cancelled']);
    expect(second.exit).toBe(0);
  });

  it("a later run's own intent for the same submission settles an earlier open one: it was still pending then", async () => {
    // dead-run's cancel is open; later-run re-read it as "running" and cancelled it.
    writeFileSync(
      auditPath,
      [intent('dead-run', ids.staleRunning), intent('later-run', ids.staleRunning), JSON.stringify({ event: 'cancelled', time: 't', run: 'later-run', challengeId: STALE, submissionId: ids.staleRunning, detail: 'ok' })].join('\n') + '\n',
    );
    sandbox.state.submissions.get(ids.staleRunning)!.status = 'cancelled';
    await run();
    expect(audit().filter((l) => l.event === 'reconciled')).toMatchObject([{ run: 'dead-run', result: 'not-cancelled', readBy: 'audit-log', status: 'running' }]);
  });

  it("another EvalAI's open lines and lines that are not records are left alone", async () => {
    writeFileSync(auditPath, `${intent('other-run', ids.staleRunning, { origin: 'https://eval.ai' })}\n{"event":"about-to-cancel","run":"x","challen\n`);
    const { subs } = await run();
    expect(subs.filter((o) => o.action === 'reconcile')).toEqual([]);
    const records = lines().filter(isJson).map((l) => JSON.parse(l) as { run: string; event: string });
    expect(records.filter((l) => l.run === 'other-run').map((l) => l.event)).toEqual(['about-to-cancel']);
    expect(records.filter((l) => l.event === 'cancelled')).toHaveLength(EXPECTED_STALE.length);
  });

  it('a token rejected while reconciling stops the run (exit 3): what was settled is reported, nothing is cancelled', async () => {
    writeFileSync(auditPath, `${intent('dead-run', ids.freshRunning)}\n${intent('dead-run', ids.staleRunning)}\n`);
    sandbox.fault({
      method: 'GET',
      path: `/api/jobs/submission/${ids.staleRunning}`,
      fault: { kind: 'status', status: 401, body: { detail: 'Given token not valid for any token type', code: 'token_not_valid' } },
    });
    const { result, subs, exit } = await run({ token: sandbox.tokens.host(4) });
    expect(exit).toBe(3);
    expect((result.fatal as { kind?: string }).kind).toBe('token-rejected');
    expect(subs.map((o) => [o.submissionId, o.action, o.status])).toEqual([[ids.freshRunning, 'reconcile', 'done']]);
    expect(putIds()).toEqual([]);
    expect(eventsOf(ids.staleRunning)).toEqual(['about-to-cancel']);
  });

  it('the log cannot be read back: that is a failure (exit 1), and the run still cancels', async () => {
    const { result, exit } = await run({ readAuditLog: () => { throw errno('EIO'); } });
    expect(result.outcomes.filter((o) => o.action === 'reconcile')).toMatchObject([{ status: 'failed', error: expect.stringMatching(/EIO/) }]);
    expect(putIds().sort()).toEqual(EXPECTED_STALE);
    expect(exit).toBe(1);
  });

  it('a result line that could not be written: the next run records the cancel', async () => {
    const victim = ids.staleResuming;
    let failed = false;
    const fsLayer: AuditFs = {
      ...nodeAuditFs,
      writeSync(fd, buf, off, len) {
        const text = Buffer.from(buf).toString('utf8');
        if (!failed && text.includes('"event":"cancelled"') && text.includes(`"submissionId":${victim},`)) {
          failed = true;
          throw errno('ENOSPC');
        }
        return nodeAuditFs.writeSync(fd, buf, off, len);
      },
    };
    await run({ auditFs: fsLayer });
    expect(eventsOf(victim)).toEqual(['about-to-cancel']);
    await run();
    expect(eventsOf(victim)).toEqual(['about-to-cancel', 'reconciled cancelled']);
  });
});
