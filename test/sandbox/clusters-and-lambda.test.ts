import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './http.js';

describe('evaluation cluster and EKS bearer token (§2.10, §2.13)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());
  const cluster = (pk: number): string => `/api/challenges/${pk}/evaluation_cluster/`;

  it('serves hosts the cluster without nodegroup_name; refuses staff', async () => {
    const host = sb.tokens.host(SEEDED.teams.eks);
    const res = await call(sb, 'GET', cluster(SEEDED.eksWithNodegroup), { token: host });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ challenge: SEEDED.eksWithNodegroup, name: 'evalai-sandbox-315-cluster' });
    expect(res.body).not.toHaveProperty('nodegroup_name');
    const staff = await call(sb, 'GET', cluster(SEEDED.eksWithNodegroup), { token: sb.tokens.staff });
    expect(staff.status).toBe(400);
    expect(staff.body).toEqual({ error: 'Sorry, you are not authorized to access evaluation cluster details.' });
    expect((await call(sb, 'GET', cluster(99999), { token: sb.tokens.staff })).status).toBe(404);
    const noCluster = await call(sb, 'GET', cluster(SEEDED.dockerNoCluster), { token: host });
    expect(noCluster.status).toBe(404);
    expect(noCluster.body).toEqual({
      error: `Challenge evaluation cluster for the challenge with pk ${SEEDED.dockerNoCluster} does not exist`,
    });
    const notDocker = await call(sb, 'GET', cluster(SEEDED.activeIdleWorker), { token: sb.tokens.host(SEEDED.teams.ecs) });
    expect(notDocker.status).toBe(400);
  });

  it('issues a k8s-aws-v1 bearer token to hosts', async () => {
    const res = await call(sb, 'GET', `/api/jobs/challenge/${SEEDED.eksWithNodegroup}/eks_bearer_token/`, {
      token: sb.tokens.host(SEEDED.teams.eks),
    });
    const body = res.body as { aws_eks_bearer_token: string; cluster_name: string };
    expect(body.cluster_name).toBe('evalai-sandbox-315-cluster');
    expect(body.aws_eks_bearer_token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    const url = Buffer.from(body.aws_eks_bearer_token.slice('k8s-aws-v1.'.length), 'base64url').toString();
    expect(url).toContain('Action=GetCallerIdentity');
    expect(url).toContain('X-Amz-Expires=60');
  });
});

describe('Lambda endpoints (§2.15)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('autoscale_meta exposes nodegroup_name, a +00:00 end_date and scale_up_cap', async () => {
    const res = await call(sb, 'GET', `/api/challenges/challenge/${SEEDED.eksWithNodegroup}/autoscale_meta/`, { token: sb.tokens.lambda });
    expect(res.body).toMatchObject({
      challenge_pk: SEEDED.eksWithNodegroup,
      is_docker_based: true,
      cluster_name: 'evalai-sandbox-315-cluster',
      nodegroup_name: 'evalai-sandbox-315-nodegroup',
      scale_up_cap: 4,
    });
    expect((res.body as { end_date: string }).end_date).toMatch(/\+00:00$/);
    const unknown = await call(sb, 'GET', `/api/challenges/challenge/${SEEDED.eksNodegroupUnknown}/autoscale_meta/`, { token: sb.tokens.lambda });
    expect(unknown.body).toMatchObject({ nodegroup_name: null });
  });

  it('autoscale_eligible_challenges applies the 30-day grace period', async () => {
    const res = await call(sb, 'GET', '/api/challenges/challenge/autoscale_eligible_challenges/', { token: sb.tokens.lambda });
    expect(res.body).toEqual({ challenge_pks: [SEEDED.eksWithNodegroup, SEEDED.eksNodegroupUnknown], count: 2 });
  });

  it('clear_worker_state resets workers to null (POST only)', async () => {
    const path = `/api/challenges/challenge/${SEEDED.endedIdleWorker}/clear_worker_state/`;
    expect((await call(sb, 'GET', path, { token: sb.tokens.lambda })).status).toBe(405);
    const res = await call(sb, 'POST', path, { token: sb.tokens.lambda });
    expect(res.body).toMatchObject({ challenge_pk: SEEDED.endedIdleWorker, workers: null, task_def_arn: '' });
    expect(sb.state.challenges.get(SEEDED.endedIdleWorker)!.workers).toBeNull();
  });
});

describe('update_challenge_attributes (§2.14)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());
  const path = '/api/challenges/challenge/update_challenge_attributes/';

  it('is staff only with a 401, and updates the allowed attributes', async () => {
    const host = await call(sb, 'POST', path, { token: sb.tokens.host(SEEDED.teams.ecs), json: { challenge_pk: SEEDED.activeIdleWorker, workers: 0 } });
    expect(host.status).toBe(401);
    expect(host.body).toEqual({ error: 'Sorry, you are not authorized to access this resource!' });
    const ok = await call(sb, 'POST', path, {
      token: sb.tokens.staff,
      json: { challenge_pk: SEEDED.activeIdleWorker, workers: '3', end_date: '2030-01-01T00:00:00Z' },
    });
    expect(ok.body).toEqual({ message: `Challenge attributes updated successfully for challenge with primary key ${SEEDED.activeIdleWorker}!` });
    const c = sb.state.challenges.get(SEEDED.activeIdleWorker)!;
    expect(c.workers).toBe(3);
    expect(c.end_date).toEqual(new Date('2030-01-01T00:00:00Z'));
  });

  it('rejects other keys, a missing or unknown pk', async () => {
    const token = sb.tokens.staff;
    expect((await call(sb, 'POST', path, { token, json: { challenge_pk: SEEDED.activeIdleWorker, queue: 'x' } })).body).toEqual({
      error: "Updating 'queue' is not allowed.",
    });
    expect((await call(sb, 'POST', path, { token, json: { workers: 1 } })).body).toEqual({ error: 'Challenge primary key is missing!' });
    const unknown = await call(sb, 'POST', path, { token, json: { challenge_pk: 99999 } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'Challenge with primary key 99999 not found!' });
  });
});
