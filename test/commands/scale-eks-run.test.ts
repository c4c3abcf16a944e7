import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import type { ScaleEksPolicy } from '../../src/commands/scale-eks/policy.js';
import { runScaleEks } from '../../src/commands/scale-eks/run.js';
import { exitCodeFor } from '../../src/core/exit.js';
import type { Outcome } from '../../src/core/outcome.js';
import { Deadline } from '../../src/runtime/deadline.js';
import { ConfigError } from '../../src/runtime/errors.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { makeCluster, SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { eksError } from '../aws/helpers.js';
import { testContext } from './run-context.js';

const eksMock = mockClient(EKSClient);
const stsMock = mockClient(STSClient);
const dir = mkdtempSync(join(tmpdir(), 'scale-eks-run-'));
let sandbox: Sandbox;
let aws: AwsClients;

beforeEach(async () => {
  eksMock.reset();
  stsMock.reset();
  sandbox = await startSandbox({ throttleRatePerMinute: false });
  aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
  eksMock.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'update-1' } });
});
afterEach(async () => {
  aws.destroy();
  await sandbox.close();
});
afterAll(() => {
  eksMock.restore();
  stsMock.restore();
  rmSync(dir, { recursive: true, force: true });
});

const cluster = (pk: number) => `evalai-sandbox-${pk}-cluster`;
const byId = (outcomes: Outcome[]) => new Map(outcomes.map((o) => [o.challengeId, o]));
const updates = () => eksMock.commandCalls(UpdateNodegroupConfigCommand).map((c) => c.args[0].input);
const describeAs = (pk: number, nodegroup: string, scaling: { minSize: number; desiredSize: number; maxSize: number }, status = 'ACTIVE') =>
  eksMock.on(DescribeNodegroupCommand, { clusterName: cluster(pk), nodegroupName: nodegroup }).resolves({ nodegroup: { status: status as never, scalingConfig: scaling } });

function configFile(content: unknown): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(content));
  chmodSync(path, 0o600);
  return path;
}

const EKS_KEYS = { kind: 'static' as const, accessKeyId: 'AKIADEFAULTEKS', secretAccessKey: 'default-eks-secret', source: 'EKS_AWS_*' };
const filePolicy = (path: string): ScaleEksPolicy => ({ source: { kind: 'file', path }, defaultCredentials: EKS_KEYS, defaultRegion: 'us-east-1', crossAccountRoleName: 'evalai-autoscale-crossaccount', awsTimeoutMs: 1000 });

describe('scale-eks with the upstream config file', () => {
  const host3 = () => sandbox.tokens.host(SEEDED.teams.eks);
  const host1 = () => sandbox.tokens.host(1);

  beforeEach(() => {
    // A disabled docker-based challenge with a cluster: by-pk says "was removed".
    const disabled = sandbox.state.challenges.get(SEEDED.disabledWithWorker)!;
    disabled.is_docker_based = true;
    disabled.cluster = makeCluster(90, disabled.id, 'ng-320');
    eksMock.on(ListNodegroupsCommand, { clusterName: cluster(SEEDED.eksWithNodegroup) }).resolves({ nodegroups: ['ng-315'] });
    describeAs(SEEDED.eksWithNodegroup, 'ng-315', { minSize: 0, desiredSize: 0, maxSize: 1 });
    describeAs(SEEDED.eksNodegroupUnknown, 'ng-316', { minSize: 1, desiredSize: 2, maxSize: 6 });
    describeAs(SEEDED.disabledWithWorker, 'ng-320', { minSize: 1, desiredSize: 1, maxSize: 3 });
  });

  const config = () => ({
    [SEEDED.eksWithNodegroup]: {
      auth_token: host3(),
      scale_up_desired_size: 3,
      aws_keys: { AWS_ACCESS_KEY_ID: 'AKIAENTRY315', AWS_SECRET_ACCESS_KEY: 'entry-secret-315', AWS_REGION: 'eu-west-1' },
    },
    [SEEDED.eksNodegroupUnknown]: { auth_token: host3(), nodegroup_name: 'ng-316', max_size: 2 },
    [SEEDED.dockerNoCluster]: { auth_token: host3() },
    [SEEDED.activePendingNoWorker]: { auth_token: host1() },
    [SEEDED.disabledWithWorker]: { auth_token: host1(), nodegroup_name: 'ng-320' },
    [SEEDED.eksEndedLongAgo]: { auth_token: sandbox.tokens.expired },
    '999': { scale_up_desired_size: 2 },
  });

  it('scales each entry by the rules; broken or failing entries never stop the others', async () => {
    const result = await runScaleEks(testContext(sandbox.url, sandbox.tokens.staff), filePolicy(configFile(config())), { aws });
    const o = byId(result.outcomes);
    expect(o.get(SEEDED.eksWithNodegroup)).toMatchObject({
      action: 'scale-up',
      status: 'done',
      reason: '4 pending submissions: 0 nodes -> 3 (capped at 3)',
      facts: expect.objectContaining({ cluster: cluster(SEEDED.eksWithNodegroup), region: 'eu-west-1', credentials: `config entry "${SEEDED.eksWithNodegroup}"`, updateId: 'update-1' }),
    });
    expect(o.get(SEEDED.eksNodegroupUnknown)).toMatchObject({ action: 'scale-down', status: 'done', reason: 'no pending submissions: 2 nodes -> 0' });
    expect(o.get(SEEDED.disabledWithWorker)).toMatchObject({ action: 'none', status: 'unchanged', reason: 'draining: disabled with 1 pending submission; 1 node kept until they finish' });
    expect(o.get(SEEDED.dockerNoCluster)).toMatchObject({ status: 'failed', reason: "the evaluation cluster could not be read with the entry's auth_token", error: expect.stringMatching(/does not exist/) });
    expect(o.get(SEEDED.activePendingNoWorker)).toMatchObject({ action: 'skip', status: 'skipped', reason: 'not docker-based: evaluated without an EKS cluster' });
    expect(o.get(SEEDED.eksEndedLongAgo)).toMatchObject({ status: 'failed', error: expect.stringMatching(/EvalAI rejected the auth_token of config entry "318".*put a fresh host token in the config file/) });
    expect(o.get(999)).toMatchObject({ status: 'failed', reason: 'config entry invalid: skipped', error: 'config entry "999": field auth_token: missing' });
    expect(exitCodeFor(result)).toBe(1);
    expect(result.fatal).toBeUndefined();

    expect(updates()).toEqual(
      expect.arrayContaining([
        { clusterName: cluster(SEEDED.eksWithNodegroup), nodegroupName: 'ng-315', scalingConfig: { minSize: 1, desiredSize: 3, maxSize: 3 } },
        { clusterName: cluster(SEEDED.eksNodegroupUnknown), nodegroupName: 'ng-316', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 2 } },
      ]),
    );
    expect(updates()).toHaveLength(2);
    // ListNodegroups only where no nodegroup is configured.
    expect(eksMock.commandCalls(ListNodegroupsCommand).map((c) => c.args[0].input)).toEqual([{ clusterName: cluster(SEEDED.eksWithNodegroup) }]);
  });

  it('uses the entry\'s keys and region, else EKS_AWS_*; one client per credentials and region', async () => {
    // Nothing pending on the disabled challenge: its nodegroup is scaled down too.
    for (const s of sandbox.state.submissions.values()) if (s.challenge_phase === SEEDED.disabledWithWorker * 10 + 1) s.status = 'finished';
    await runScaleEks(testContext(sandbox.url, sandbox.tokens.staff), filePolicy(configFile(config())), { aws });
    const used = await Promise.all(
      eksMock.commandCalls(UpdateNodegroupConfigCommand).map(async (c) => {
        const client = c.thisValue as EKSClient;
        return [c.args[0].input.nodegroupName, (await client.config.credentials()).accessKeyId, await client.config.region()];
      }),
    );
    expect(used.sort()).toEqual([
      ['ng-315', 'AKIAENTRY315', 'eu-west-1'],
      ['ng-316', 'AKIADEFAULTEKS', 'us-east-1'],
      ['ng-320', 'AKIADEFAULTEKS', 'us-east-1'],
    ]);
    expect(aws.size).toBe(2);
  });

  it('one evaluation_cluster call per challenge, with the host token; metrics with the staff token', async () => {
    await runScaleEks(testContext(sandbox.url, sandbox.tokens.staff), filePolicy(configFile(config())), { aws });
    const clusterCalls = sandbox.requests.filter((r) => r.path.endsWith('/evaluation_cluster/'));
    expect(clusterCalls.map((r) => r.path).sort()).toEqual(
      [SEEDED.eksWithNodegroup, SEEDED.eksNodegroupUnknown, SEEDED.dockerNoCluster, SEEDED.disabledWithWorker].map((pk) => `/api/challenges/${pk}/evaluation_cluster/`).sort(),
    );
    for (const r of clusterCalls) expect(r.headers.authorization).not.toBe(`Bearer ${sandbox.tokens.staff}`);
    for (const r of sandbox.requests.filter((q) => q.path.includes('get_submission_metrics_by_pk'))) {
      expect(r.headers.authorization).toBe(`Bearer ${sandbox.tokens.staff}`);
    }
  });

  it('refuses to guess among several nodegroups', async () => {
    eksMock.on(ListNodegroupsCommand, { clusterName: cluster(SEEDED.eksNodegroupUnknown) }).resolves({ nodegroups: ['ng-cpu', 'ng-gpu'] });
    const path = configFile({ [SEEDED.eksNodegroupUnknown]: { auth_token: host3() } });
    const result = await runScaleEks(testContext(sandbox.url, sandbox.tokens.staff), filePolicy(path), { aws });
    expect(result.outcomes).toEqual([
      expect.objectContaining({ status: 'failed', reason: 'no nodegroup to scale', error: expect.stringMatching(/has 2 nodegroups \(ng-cpu, ng-gpu\) and none is recorded or configured.*refusing to guess/) }),
    ]);
    expect(eksMock.commandCalls(DescribeNodegroupCommand)).toHaveLength(0);
    expect(updates()).toEqual([]);
  });

  it('AWS errors become one reason per challenge', async () => {
    eksMock.on(DescribeNodegroupCommand, { clusterName: cluster(SEEDED.eksNodegroupUnknown) }).rejects(eksError('ResourceNotFoundException', 'No node group found for name: ng-316.'));
    eksMock.on(UpdateNodegroupConfigCommand).rejects(eksError('ResourceInUseException', 'Nodegroup is being updated'));
    const path = configFile({ [SEEDED.eksWithNodegroup]: config()[SEEDED.eksWithNodegroup], [SEEDED.eksNodegroupUnknown]: config()[SEEDED.eksNodegroupUnknown] });
    const result = await runScaleEks(testContext(sandbox.url, sandbox.tokens.staff), filePolicy(path), { aws });
    const o = byId(result.outcomes);
    expect(o.get(SEEDED.eksNodegroupUnknown)).toMatchObject({ status: 'failed', reason: 'the nodegroup could not be read', error: expect.stringMatching(/^EKS DescribeNodegroup: nodegroup ng-316 of cluster .*: not found/) });
    expect(o.get(SEEDED.eksWithNodegroup)).toMatchObject({ action: 'scale-up', status: 'unchanged', reason: expect.stringMatching(/^scale-up deferred: .*update is already in progress/) });
  });

  it('--dry-run reads EKS but writes nothing', async () => {
    const result = await runScaleEks(testContext(sandbox.url, sandbox.tokens.staff, { dryRun: true }), filePolicy(configFile(config())), { aws });
    expect(byId(result.outcomes).get(SEEDED.eksWithNodegroup)).toMatchObject({ action: 'scale-up', status: 'planned' });
    expect(updates()).toEqual([]);
    expect(eksMock.commandCalls(DescribeNodegroupCommand).length).toBeGreaterThan(0);
  });

  it('--challenge runs only those entries; an id not in the file is a failure', async () => {
    const result = await runScaleEks(testContext(sandbox.url, sandbox.tokens.staff, { only: [SEEDED.eksNodegroupUnknown, 4242] }), filePolicy(configFile(config())), { aws });
    expect(result.outcomes.map((o) => [o.challengeId, o.status])).toEqual([
      [4242, 'failed'],
      [SEEDED.eksNodegroupUnknown, 'done'],
    ]);
    expect(result.outcomes[0]!.reason).toBe('not in the config file');
  });

  it('the one runner: after a signal no new entry starts, --challenge ids are not judged, and the next run resumes after the last started', async () => {
    const two = { [SEEDED.eksWithNodegroup]: config()[SEEDED.eksWithNodegroup], [SEEDED.eksNodegroupUnknown]: config()[SEEDED.eksNodegroupUnknown] };
    const path = configFile(two);
    const deadline = Deadline.never();
    // The first entry's DescribeNodegroup is where SIGTERM arrives: that entry finishes, nothing else starts.
    eksMock.on(DescribeNodegroupCommand, { clusterName: cluster(SEEDED.eksWithNodegroup), nodegroupName: 'ng-315' }).callsFake(() => {
      deadline.interrupt('SIGTERM');
      return { nodegroup: { status: 'ACTIVE', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 1 } } };
    });
    const ctx = { ...testContext(sandbox.url, sandbox.tokens.staff, { deadline, only: [SEEDED.eksWithNodegroup, SEEDED.eksNodegroupUnknown, 4242] }), concurrency: 1 };
    const first = await runScaleEks(ctx, filePolicy(path), { aws });
    expect(first.outcomes.map((o) => o.challengeId)).toEqual([SEEDED.eksWithNodegroup]);
    expect(first).toMatchObject({ deadlineReached: true, notReached: 1, resumeAfter: SEEDED.eksWithNodegroup });

    const before = eksMock.commandCalls(DescribeNodegroupCommand).length;
    const next = await runScaleEks({ ...ctx, deadline: Deadline.never(), only: undefined, resumeAfter: SEEDED.eksWithNodegroup }, filePolicy(path), { aws });
    expect(next.outcomes).toHaveLength(2);
    expect(next.resumeAfter).toBeUndefined();
    // The entry the first run never reached goes first.
    const order = eksMock.commandCalls(DescribeNodegroupCommand).slice(before).map((c) => c.args[0].input.nodegroupName);
    expect(order).toEqual(['ng-316', 'ng-315']);
  });

  it('a rejected staff token stops the run (exit 3)', async () => {
    const result = await runScaleEks(testContext(sandbox.url, sandbox.tokens.expired), filePolicy(configFile({ [SEEDED.eksWithNodegroup]: config()[SEEDED.eksWithNodegroup] })), { aws });
    expect(exitCodeFor(result)).toBe(3);
  });

  it('an unreadable file is a configuration error', async () => {
    await expect(runScaleEks(testContext(sandbox.url, sandbox.tokens.staff), filePolicy(join(dir, 'missing.json')), { aws })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('scale-eks with LAMBDA_AUTH_TOKEN (autoscale endpoints)', () => {
  const lambdaPolicy = (token = sandbox.tokens.lambda!): ScaleEksPolicy => ({
    source: { kind: 'lambda', token },
    defaultCredentials: { kind: 'default' },
    crossAccountRoleName: 'evalai-autoscale-crossaccount',
    awsTimeoutMs: 1000,
  });
  const ctx = (opts = {}) => testContext(sandbox.url, '', opts);

  beforeEach(() => {
    describeAs(SEEDED.eksWithNodegroup, 'evalai-sandbox-315-nodegroup', { minSize: 0, desiredSize: 0, maxSize: 1 });
    eksMock.on(ListNodegroupsCommand, { clusterName: cluster(SEEDED.eksNodegroupUnknown) }).resolves({ nodegroups: ['ng-only'] });
    describeAs(SEEDED.eksNodegroupUnknown, 'ng-only', { minSize: 0, desiredSize: 0, maxSize: 1 });
  });

  it('needs no user token: eligible challenges, meta, pending count; cap from scale_up_cap', async () => {
    const result = await runScaleEks(ctx(), lambdaPolicy(), { aws });
    const o = byId(result.outcomes);
    expect([...o.keys()].sort()).toEqual([SEEDED.eksWithNodegroup, SEEDED.eksNodegroupUnknown].sort());
    expect(o.get(SEEDED.eksWithNodegroup)).toMatchObject({ action: 'scale-up', status: 'done', reason: '4 pending submissions: 0 nodes -> 4', facts: expect.objectContaining({ region: 'us-east-1', credentials: 'default chain' }) });
    expect(o.get(SEEDED.eksNodegroupUnknown)).toMatchObject({ action: 'none', status: 'unchanged', reason: 'no pending submissions; already at 0 nodes' });
    expect(updates()).toEqual([{ clusterName: cluster(SEEDED.eksWithNodegroup), nodegroupName: 'evalai-sandbox-315-nodegroup', scalingConfig: { minSize: 1, desiredSize: 4, maxSize: 4 } }]);
    // The recorded nodegroup is used as is; ListNodegroups only where none is recorded.
    expect(eksMock.commandCalls(ListNodegroupsCommand).map((c) => c.args[0].input.clusterName)).toEqual([cluster(SEEDED.eksNodegroupUnknown)]);
    for (const r of sandbox.requests) expect(r.headers.authorization).toBe(`Bearer ${sandbox.tokens.lambda}`);
    expect(exitCodeFor(result)).toBe(0);
  });

  it('assumes the cross-account role once per account and uses its credentials', async () => {
    for (const pk of [SEEDED.eksWithNodegroup, SEEDED.eksNodegroupUnknown]) {
      const c = sandbox.state.challenges.get(pk)!;
      c.use_host_credentials = true;
      c.aws_account_id = '210987654321';
    }
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAASSUMED', SecretAccessKey: 'assumed-secret', SessionToken: 'assumed-session', Expiration: new Date() } });
    const context = ctx();
    await runScaleEks(context, lambdaPolicy(), { aws });
    expect(stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: 'arn:aws:iam::210987654321:role/evalai-autoscale-crossaccount', RoleSessionName: 'evalai-eks-autoscale' },
    ]);
    const client = eksMock.commandCalls(UpdateNodegroupConfigCommand)[0]!.thisValue as EKSClient;
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'ASIAASSUMED', sessionToken: 'assumed-session' });
    expect(context.secrets.scrub('assumed-secret assumed-session')).toBe('[REDACTED] [REDACTED]');
  });

  it('use_host_credentials without an account id: refused with a reason', async () => {
    const c = sandbox.state.challenges.get(SEEDED.eksWithNodegroup)!;
    c.use_host_credentials = true;
    c.aws_account_id = null;
    const result = await runScaleEks(ctx({ only: [SEEDED.eksWithNodegroup] }), lambdaPolicy(), { aws });
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/cannot assume the cross-account role without the account id/) });
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('a role that cannot be assumed fails those challenges with the reason', async () => {
    sandbox.state.challenges.get(SEEDED.eksWithNodegroup)!.use_host_credentials = true;
    stsMock.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }));
    const result = await runScaleEks(ctx({ only: [SEEDED.eksWithNodegroup] }), lambdaPolicy(), { aws });
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/cross-account role arn:aws:iam::123456789012:role\/evalai-autoscale-crossaccount could not be assumed/), error: expect.stringMatching(/access denied/) });
  });

  it('disabled: draining while submissions are pending, scaled to 0 once none are', async () => {
    describeAs(SEEDED.eksWithNodegroup, 'evalai-sandbox-315-nodegroup', { minSize: 1, desiredSize: 2, maxSize: 4 });
    sandbox.state.challenges.get(SEEDED.eksWithNodegroup)!.is_disabled = true;
    const draining = await runScaleEks(ctx({ only: [SEEDED.eksWithNodegroup] }), lambdaPolicy(), { aws });
    expect(draining.outcomes[0]).toMatchObject({ action: 'none', status: 'unchanged', reason: 'draining: disabled with 4 pending submissions; 2 nodes kept until they finish' });
    expect(updates()).toEqual([]);

    for (const s of sandbox.state.submissions.values()) if (s.challenge_phase === SEEDED.eksWithNodegroup * 10 + 1) s.status = 'finished';
    const result = await runScaleEks(ctx({ only: [SEEDED.eksWithNodegroup] }), lambdaPolicy(), { aws });
    expect(result.outcomes[0]).toMatchObject({ action: 'scale-down', status: 'done', reason: 'challenge disabled, nothing pending: 2 nodes -> 0' });
    expect(updates()).toEqual([{ clusterName: cluster(SEEDED.eksWithNodegroup), nodegroupName: 'evalai-sandbox-315-nodegroup', scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 4 } }]);
  });

  it('ended with pending submissions: draining, nodes kept (upstream scales them away)', async () => {
    describeAs(SEEDED.eksWithNodegroup, 'evalai-sandbox-315-nodegroup', { minSize: 1, desiredSize: 2, maxSize: 4 });
    sandbox.state.challenges.get(SEEDED.eksWithNodegroup)!.end_date = new Date(Date.now() - 3_600_000);
    const result = await runScaleEks(ctx({ only: [SEEDED.eksWithNodegroup] }), lambdaPolicy(), { aws });
    expect(result.outcomes[0]).toMatchObject({ action: 'none', status: 'unchanged', reason: 'draining: ended with 4 pending submissions; 2 nodes kept until they finish' });
    expect(updates()).toEqual([]);
  });

  it('a wrong Lambda token: nothing could be done (exit 3)', async () => {
    const result = await runScaleEks(ctx(), lambdaPolicy('wrong-lambda-token'), { aws });
    expect(result.outcomes).toEqual([]);
    expect(exitCodeFor(result)).toBe(3);
  });

  it('--challenge with a challenge that is not eligible', async () => {
    const result = await runScaleEks(ctx({ only: [SEEDED.dockerNoCluster] }), lambdaPolicy(), { aws });
    expect(result.outcomes).toEqual([expect.objectContaining({ challengeId: SEEDED.dockerNoCluster, status: 'failed', reason: 'not in autoscale_eligible_challenges' })]);
  });
});
