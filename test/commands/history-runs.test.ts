import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { runScaleEc2 } from '../../src/commands/scale-ec2/run.js';
import { runScaleEks } from '../../src/commands/scale-eks/run.js';
import type { ScaleEksPolicy } from '../../src/commands/scale-eks/policy.js';
import type { Outcome } from '../../src/core/outcome.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { HistoryBook } from '../../src/state/history-book.js';
import type { ChallengeMemory } from '../../src/state/memory.js';
import { testContext } from './run-context.js';

const eksMock = mockClient(EKSClient);
let sandbox: Sandbox;
let aws: AwsClients;
beforeEach(async () => {
  eksMock.reset();
  sandbox = await startSandbox({ throttleRatePerMinute: false });
  aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
  eksMock.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'update-1' } });
});
afterEach(async () => {
  aws.destroy();
  await sandbox.close();
});
afterAll(() => eksMock.restore());

const NOW = DateTime.utc();
const ago = (min: number) => NOW.minus({ minutes: min }).toISO()!;
const book = (entries: Record<string, ChallengeMemory> = {}) => new HistoryBook('/nonexistent/h.json', { command: 'x', target: 'y' }, entries, true);
const ctxWith = (history: HistoryBook) => ({ ...testContext(sandbox.url, sandbox.tokens.staff), now: () => NOW, history });
const byId = (outcomes: Outcome[]) => new Map(outcomes.map((o) => [o.challengeId, o]));
const delay = { scaleDownDelayMs: 30 * 60_000 };

describe('scale-ec2 runs with a history', () => {
  const policy = { via: 'evalai' as const, instanceIds: new Map(), awsTimeoutMs: 1000, ...delay };

  it('keeps an idle running instance first seen idle now, remembers a start, and stops the ended challenge\'s at once', async () => {
    const history = book();
    const o = byId((await runScaleEc2(ctxWith(history), policy, { aws })).outcomes);
    expect(o.get(SEEDED.ec2RunningIdle)).toMatchObject({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/idle for 0 s of 30 min: kept$/) });
    expect(o.get(SEEDED.ec2EndedRunning)).toMatchObject({ action: 'stop', status: 'done' });
    expect(o.get(SEEDED.ec2Stopped)).toMatchObject({ action: 'start', status: 'done' });
    const file = history.snapshot(NOW).challenges;
    expect(file[String(SEEDED.ec2RunningIdle)]?.idleSince).toBe(NOW.toISO());
    expect(file[String(SEEDED.ec2Stopped)]).toMatchObject({ startedAt: NOW.toISO(), lastAction: { action: 'start', status: 'done' } });
  });

  it('stops it once the history says it has been idle for longer than the delay', async () => {
    const history = book({ [SEEDED.ec2RunningIdle]: { lastSeenAt: ago(5), idleSince: ago(31) } });
    const o = byId((await runScaleEc2(ctxWith(history), policy, { aws })).outcomes);
    expect(o.get(SEEDED.ec2RunningIdle)).toMatchObject({ action: 'stop', status: 'done', reason: expect.stringMatching(/idle for 31 min of 30 min$/) });
    expect(history.snapshot(NOW).challenges[String(SEEDED.ec2RunningIdle)]).toMatchObject({ lastAction: { action: 'stop', status: 'done' } });
  });
});

describe('scale-eks runs with a history', () => {
  const cluster = (pk: number) => `evalai-sandbox-${pk}-cluster`;
  const configPath = () => {
    const p = join(mkdtempSync(join(tmpdir(), 'eks-history-')), 'config.json');
    writeFileSync(p, JSON.stringify({ [SEEDED.eksNodegroupUnknown]: { auth_token: sandbox.tokens.host(SEEDED.teams.eks), nodegroup_name: 'ng-316', max_size: 2 } }));
    chmodSync(p, 0o600);
    return p;
  };
  const policy = (path: string): ScaleEksPolicy => ({
    source: { kind: 'file', path },
    defaultCredentials: { kind: 'static', accessKeyId: 'AKIADEFAULTEKS', secretAccessKey: 'default-eks-secret', source: 'EKS_AWS_*' },
    defaultRegion: 'us-east-1',
    crossAccountRoleName: 'evalai-autoscale-crossaccount',
    awsTimeoutMs: 1000,
    ...delay,
  });
  beforeEach(() => {
    eksMock.on(ListNodegroupsCommand).resolves({ nodegroups: ['ng-316'] });
    eksMock.on(DescribeNodegroupCommand, { clusterName: cluster(SEEDED.eksNodegroupUnknown), nodegroupName: 'ng-316' }).resolves({ nodegroup: { status: 'ACTIVE', scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 6 } } });
  });

  it('keeps idle nodes while the delay runs, then scales them to 0', async () => {
    const path = configPath();
    const kept = byId((await runScaleEks(ctxWith(book({ [SEEDED.eksNodegroupUnknown]: { lastSeenAt: ago(5), idleSince: ago(12) } })), policy(path), { aws })).outcomes);
    expect(kept.get(SEEDED.eksNodegroupUnknown)).toMatchObject({ action: 'none', reason: 'no pending submissions, 2 nodes; idle for 12 min of 30 min: kept' });
    expect(eksMock.commandCalls(UpdateNodegroupConfigCommand)).toHaveLength(0);

    const history = book({ [SEEDED.eksNodegroupUnknown]: { lastSeenAt: ago(5), idleSince: ago(40) } });
    const down = byId((await runScaleEks(ctxWith(history), policy(path), { aws })).outcomes);
    expect(down.get(SEEDED.eksNodegroupUnknown)).toMatchObject({ action: 'scale-down', status: 'done', reason: 'no pending submissions; idle for 40 min of 30 min: 2 nodes -> 0' });
    expect(eksMock.commandCalls(UpdateNodegroupConfigCommand)).toHaveLength(1);
    expect(history.snapshot(NOW).challenges[String(SEEDED.eksNodegroupUnknown)]).toMatchObject({ idleSince: ago(40), lastAction: { action: 'scale-down', status: 'done' } });
  });

  it('remembers when a scale-up brought nodes up from 0 (for --min-uptime)', async () => {
    const p = join(mkdtempSync(join(tmpdir(), 'eks-history-')), 'config.json');
    writeFileSync(p, JSON.stringify({ [SEEDED.eksWithNodegroup]: { auth_token: sandbox.tokens.host(SEEDED.teams.eks), scale_up_desired_size: 3 } }));
    chmodSync(p, 0o600);
    eksMock.on(ListNodegroupsCommand, { clusterName: cluster(SEEDED.eksWithNodegroup) }).resolves({ nodegroups: ['ng-315'] });
    eksMock.on(DescribeNodegroupCommand, { clusterName: cluster(SEEDED.eksWithNodegroup), nodegroupName: 'ng-315' }).resolves({ nodegroup: { status: 'ACTIVE', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 } } });
    const history = book();
    const o = byId((await runScaleEks(ctxWith(history), { ...policy(p), minUptimeMs: 15 * 60_000 }, { aws })).outcomes);
    expect(o.get(SEEDED.eksWithNodegroup)).toMatchObject({ action: 'scale-up', status: 'done' });
    expect(history.snapshot(NOW).challenges[String(SEEDED.eksWithNodegroup)]).toMatchObject({ startedAt: NOW.toISO(), lastAction: { action: 'scale-up', status: 'done' } });
  });
});
