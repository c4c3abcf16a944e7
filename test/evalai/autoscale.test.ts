import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getAutoscaleEligibleChallenges, getAutoscaleMeta, getPendingSubmissionCount } from '../../src/evalai/autoscale.js';
import { getChallengeByPk } from '../../src/evalai/challenge-by-pk.js';
import { getEvaluationCluster } from '../../src/evalai/evaluation-cluster.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { testTransport } from './fixtures.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ throttleRatePerMinute: false });
});
afterEach(() => sandbox.close());

/** Lambda mode: the transport has no token of its own; each call names LAMBDA_AUTH_TOKEN. */
const anonymous = () => testTransport(sandbox.url, '').transport;
const lambda = () => sandbox.tokens.lambda!;

describe('Lambda-auth endpoints (contract §2.6, §2.15)', () => {
  it('autoscale_eligible_challenges: docker-based with a cluster, not long ended', async () => {
    const pks = await getAutoscaleEligibleChallenges(anonymous(), lambda());
    expect(pks).toContain(SEEDED.eksWithNodegroup);
    expect(pks).toContain(SEEDED.eksNodegroupUnknown);
    expect(pks).not.toContain(SEEDED.dockerNoCluster);
    expect(pks).not.toContain(SEEDED.eksEndedLongAgo);
    const req = sandbox.requests.at(-1)!;
    expect(req.path).toBe('/api/challenges/challenge/autoscale_eligible_challenges/');
    expect(req.headers.authorization).toBe(`Bearer ${lambda()}`);
  });

  it('a wrong Lambda token is the run\'s token rejected (403), said as such, not a crash', async () => {
    const err = await getAutoscaleEligibleChallenges(anonymous(), 'not-the-secret').catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'token-rejected', status: 403 });
    expect((err as Error).message).toMatch(/EvalAI rejected LAMBDA_AUTH_TOKEN/);
    expect((err as Error).message).not.toMatch(/not-the-secret/);
  });

  it('a user token does not work there', async () => {
    await expect(getAutoscaleEligibleChallenges(anonymous(), sandbox.tokens.staff)).rejects.toMatchObject({ status: 403 });
  });

  it('autoscale_meta: cluster, recorded nodegroup, cap, +00:00 end date', async () => {
    const m = await getAutoscaleMeta(anonymous(), SEEDED.eksWithNodegroup, lambda());
    expect(m).toMatchObject({
      challengeId: SEEDED.eksWithNodegroup,
      isDockerBased: true,
      remoteEvaluation: false,
      nodegroupName: 'evalai-sandbox-315-nodegroup',
      isDisabled: false,
      useHostCredentials: false,
      awsAccountId: '123456789012',
      scaleUpCap: 4,
    });
    expect(m.clusterName).toEqual(expect.any(String));
    expect(m.endDate?.isValid).toBe(true);
    expect((await getAutoscaleMeta(anonymous(), SEEDED.eksNodegroupUnknown, lambda())).nodegroupName).toBeNull();
    expect((await getAutoscaleMeta(anonymous(), SEEDED.dockerNoCluster, lambda())).clusterName).toBeNull();
  });

  it('autoscale_meta of an unknown challenge: not found', async () => {
    await expect(getAutoscaleMeta(anonymous(), 99999, lambda())).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('autoscale_meta with a blank region or account: null', async () => {
    const c = sandbox.state.challenges.get(SEEDED.eksWithNodegroup)!;
    c.aws_region = '';
    c.aws_account_id = '';
    expect(await getAutoscaleMeta(anonymous(), SEEDED.eksWithNodegroup, lambda())).toMatchObject({ awsRegion: null, awsAccountId: null });
  });

  it('autoscale_meta without scale_up_cap is malformed', async () => {
    sandbox.fault({ path: /autoscale_meta/, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), scale_up_cap: null }) } });
    await expect(getAutoscaleMeta(anonymous(), SEEDED.eksWithNodegroup, lambda())).rejects.toMatchObject({ kind: 'malformed-response', message: expect.stringMatching(/scale_up_cap/) });
  });

  it('pending_submission_count through the one pending calculator', async () => {
    const p = await getPendingSubmissionCount(anonymous(), SEEDED.eksWithNodegroup, lambda());
    expect(p).toEqual({ total: 4, byStatus: { running: 1, submitted: 3, queued: 0, resuming: 0 } });
  });

  it('a total that disagrees with its status counts is not trusted', async () => {
    sandbox.fault({ path: /pending_submission_count/, fault: { kind: 'transform', fn: (b) => ({ ...(b as object), pending_submissions: 0 }) } });
    await expect(getPendingSubmissionCount(anonymous(), SEEDED.eksWithNodegroup, lambda())).rejects.toMatchObject({
      kind: 'malformed-response',
      message: expect.stringMatching(/pending_submissions is 0 but status_counts add up to 4/),
    });
  });
});

describe('host-token endpoints of scale-eks', () => {
  const host = () => sandbox.tokens.host(SEEDED.teams.eks);

  it('evaluation_cluster with the host token gives the cluster name', async () => {
    const c = await getEvaluationCluster(anonymous(), SEEDED.eksWithNodegroup, host());
    expect(c.challengeId).toBe(SEEDED.eksWithNodegroup);
    expect(c.name).toEqual(expect.any(String));
    expect(sandbox.requests.at(-1)!.path).toBe(`/api/challenges/${SEEDED.eksWithNodegroup}/evaluation_cluster/`);
  });

  it('evaluation_cluster refuses staff (host only)', async () => {
    await expect(getEvaluationCluster(testTransport(sandbox.url, sandbox.tokens.staff).transport, SEEDED.eksWithNodegroup)).rejects.toMatchObject({
      kind: 'not-authorised',
      status: 400,
    });
  });

  it('evaluation_cluster of a challenge without a cluster: not found', async () => {
    await expect(getEvaluationCluster(anonymous(), SEEDED.dockerNoCluster, host())).rejects.toMatchObject({ kind: 'not-found', status: 404 });
  });

  it('challenge by pk with the host token', async () => {
    const c = await getChallengeByPk(anonymous(), SEEDED.eksWithNodegroup, host());
    expect(c).toMatchObject({ id: SEEDED.eksWithNodegroup, isDockerBased: true, remoteEvaluation: false });
    expect(sandbox.requests.at(-1)!.path).toBe(`/api/challenges/challenge/${SEEDED.eksWithNodegroup}/`);
  });

  it('a disabled challenge: not found, "was removed"', async () => {
    await expect(getChallengeByPk(anonymous(), SEEDED.disabledWithWorker, sandbox.tokens.host(1))).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringMatching(/was removed/),
    });
  });
});
