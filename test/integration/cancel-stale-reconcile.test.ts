/** The built bin, twice, as cron runs it: a cancel whose answer was lost, then the next run settling it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runBin } from './harness.js';

const STALE = SEEDED.staleSubmissions;
const victim = SEEDED.submissions.staleSubmitted;

let sandbox: Sandbox;
let auditLog: string;
beforeEach(async () => {
  sandbox = await startSandbox();
  auditLog = join(mkdtempSync(join(tmpdir(), 'cancel-stale-reconcile-')), 'audit.jsonl');
});
afterEach(() => sandbox.close());

const env = () => ({ API_HOST_URL: sandbox.url, AUTH_TOKEN: sandbox.tokens.staff, CANCEL_STALE_AUDIT_LOG: auditLog });
const events = () =>
  readFileSync(auditLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; submissionId: number; result?: string })
    .filter((l) => l.submissionId === victim)
    .map((l) => (l.result ? `${l.event} ${l.result}` : l.event));

it('an HTML 200 after EvalAI cancelled: exit 1 and cancel-unknown; the next run records it as cancelled, exit 0, and sends no second PUT', async () => {
  sandbox.fault({ method: 'PUT', path: `/api/jobs/challenge/${STALE}/update_submission/`, times: 1, fault: { kind: 'after-view', answer: 'html' } });
  const first = await runBin('cancel-stale', ['--challenge', String(STALE)], env());
  expect(first.code).toBe(1);
  expect(first.stdout).toMatch(new RegExp(`^challenge ${STALE} ".*": submission ${victim}: failed - cancel sent, but the answer was lost or unreadable: it may or may not have been cancelled; the next run checks .*HTML page`, 'm'));
  expect(events()).toEqual(['about-to-cancel', 'cancel-unknown']);
  expect(sandbox.state.submissions.get(victim)!.status).toBe('cancelled');

  const second = await runBin('cancel-stale', ['--challenge', String(STALE)], env());
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(new RegExp(`^challenge ${STALE}: submission ${victim}: reconcile - the cancel sent by run [0-9a-f-]+ \\(audit log: cancel-unknown, no final line\\): it was cancelled`, 'm'));
  expect(events()).toEqual(['about-to-cancel', 'cancel-unknown', 'reconciled cancelled']);
  const putsFor = sandbox.requests.filter((r) => r.method === 'PUT' && (r.body as Record<string, string>).submission === String(victim));
  expect(putsFor).toHaveLength(1);
});
