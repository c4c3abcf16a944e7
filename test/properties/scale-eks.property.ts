import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { makeCluster, stateFromSeed, type Sandbox } from '../../src/sandbox/index.js';
import { STS_CREDENTIALS, type NodegroupState } from './harness/aws-fake.js';
import {
  autoscaleEligible,
  autoscaleMetaOf,
  awsCall,
  challengeByPk,
  evaluationClusterOf,
  metricsOf,
  pendingCountOf,
  pendingProblem,
} from './harness/observations.js';
import type { CommandProperty, Schedule } from './harness/property.js';
import { smallSeed, type Infra } from './harness/sandbox-world.js';
import {
  anyFaultArb,
  awsFaultArb,
  badCountArb,
  commonKnobsArb,
  faultAt,
  metricsFaultArb,
  rec,
  terminalFaultArb,
  transformArb,
  wrongTypeOf,
  type AwsFaultSpec,
  type FaultSpec,
} from './harness/schedule.js';

/**
 * Docker-based challenges with a cluster (315 named nodegroup, 4 pending; 316 unnamed, idle; 318
 * ended 60 days ago; 320 disabled with 1 pending, made docker-based here), one without a cluster
 * (317), and two that are not docker-based (301, 323).
 */
const IDS = [301, 315, 316, 317, 318, 320, 323];
const CLUSTERED = [315, 316, 318, 320];
const SEED = (() => {
  const seed = smallSeed(new Date(), IDS);
  const disabled = seed.challenges.get(320)!;
  disabled.is_docker_based = true;
  disabled.cluster = makeCluster(90, 320, 'ng-320');
  return seed;
})();
const NODEGROUP: Record<number, string> = { 315: 'evalai-sandbox-315-nodegroup', 316: 'ng-316', 318: 'evalai-sandbox-318-nodegroup', 320: 'ng-320' };
const cluster = (id: number) => `evalai-sandbox-${id}-cluster`;

export const EKS_KEYS = { EKS_AWS_ACCESS_KEY_ID: 'AKIAPROPERTYEKSDEFAULT', EKS_AWS_SECRET_ACCESS_KEY: 'eks/Default+Secret/Key00000000000000000' };
const ENTRY_KEYS = { AWS_ACCESS_KEY_ID: 'AKIAPROPERTYENTRY315', AWS_SECRET_ACCESS_KEY: 'entry/315+Secret/Key0000000000000000000' };

export interface ScaleEksSchedule extends Schedule {
  source: 'file' | 'lambda';
  /** Nodegroups before the run (default ACTIVE at 1 node); `spare`: the cluster has a second nodegroup. */
  nodegroups: Array<{ id: number; status: string; desired: number; max: number; spare: boolean }>;
  /** file: the entry of 316 names its nodegroup. */
  name316: boolean;
  /** file: the entry of 318 holds an expired host token; a broken entry "999" is present. */
  expiredHost318: boolean;
  brokenEntry: boolean;
  /** lambda: 316's cluster is in the host's account (STS AssumeRole). */
  hostCredentials316: boolean;
  /** 320 (disabled) has nothing pending. */
  drain320: boolean;
  awsFaults: AwsFaultSpec[];
}

const fileFaults = fc.oneof(
  { arbitrary: faultAt('challenge_by_pk', IDS, terminalFaultArb({ tokenRejected: true })), weight: 2 },
  { arbitrary: wrongTypeOf('challenge_by_pk', IDS, ['is_docker_based', 'end_date', 'remote_evaluation', 'workers']), weight: 1 },
  { arbitrary: metricsFaultArb(IDS), weight: 3 },
  { arbitrary: faultAt('evaluation_cluster', IDS, fc.oneof(terminalFaultArb({ tokenRejected: true }), transformArb(fc.constant({ op: 'no-name' as const })))), weight: 2 },
);
const lambdaFaults = fc.oneof(
  { arbitrary: faultAt('autoscale_eligible', [0], fc.oneof(terminalFaultArb(), transformArb(fc.constant({ op: 'duplicate-pks' as const })))), weight: 1 },
  { arbitrary: faultAt('autoscale_meta', CLUSTERED, terminalFaultArb({ tokenRejected: true })), weight: 2 },
  { arbitrary: wrongTypeOf('autoscale_meta', CLUSTERED, ['is_disabled', 'scale_up_cap', 'challenge_pk', 'end_date', 'is_docker_based']), weight: 1 },
  {
    arbitrary: faultAt('pending_count', CLUSTERED, fc.oneof(terminalFaultArb(), transformArb(fc.oneof(badCountArb, fc.constant({ op: 'mismatch' as const })))), fc.constant(0)),
    weight: 3,
  },
);

export const scheduleArb: fc.Arbitrary<ScaleEksSchedule> = rec<ScaleEksSchedule>({
  knobs: commonKnobsArb(IDS),
  source: fc.constantFrom('file' as const, 'lambda' as const),
  faults: fc.array(fc.oneof({ arbitrary: fileFaults, weight: 3 }, { arbitrary: lambdaFaults, weight: 3 }, { arbitrary: anyFaultArb(), weight: 1 }) as fc.Arbitrary<FaultSpec>, { maxLength: 5 }),
  nodegroups: fc.uniqueArray(
    rec<{ id: number; status: string; desired: number; max: number; spare: boolean }>({
      id: fc.constantFrom(...CLUSTERED),
      status: fc.constantFrom('ACTIVE', 'ACTIVE', 'UPDATING', 'DEGRADED', 'CREATE_FAILED'),
      desired: fc.integer({ min: 0, max: 3 }),
      max: fc.integer({ min: 0, max: 4 }),
      spare: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
    }),
    { maxLength: 3, selector: (n) => n.id },
  ),
  name316: fc.boolean(),
  expiredHost318: fc.boolean(),
  brokenEntry: fc.boolean(),
  hostCredentials316: fc.boolean(),
  drain320: fc.boolean(),
  awsFaults: fc.array(
    awsFaultArb(['ListNodegroups', 'DescribeNodegroup', 'UpdateNodegroupConfig', 'AssumeRole'], CLUSTERED, [
      'Throttling',
      'TooManyRequestsException',
      'ResourceNotFoundException',
      'ResourceInUseException',
      'IncorrectState',
      'InvalidParameterException',
      'ExpiredTokenException',
      'AccessDenied',
      'ECONNRESET',
      'empty',
    ]),
    { maxLength: 4 },
  ),
});

function nodegroups(s: ScaleEksSchedule): Map<string, Map<string, NodegroupState>> {
  const out = new Map<string, Map<string, NodegroupState>>();
  for (const id of CLUSTERED) {
    const n = s.nodegroups.find((x) => x.id === id);
    const desired = n?.desired ?? 1;
    const groups = new Map<string, NodegroupState>([[NODEGROUP[id]!, { status: n?.status ?? 'ACTIVE', minSize: Math.min(desired, 1), desiredSize: desired, maxSize: Math.max(1, desired + (n?.max ?? 1)) }]]);
    if (n?.spare) groups.set(`${NODEGROUP[id]}-spare`, { status: 'ACTIVE', minSize: 0, desiredSize: 0, maxSize: 2 });
    out.set(cluster(id), groups);
  }
  return out;
}

function configFile(s: ScaleEksSchedule, sandbox: Sandbox, dir: string): string {
  const host3 = sandbox.tokens.host(3);
  const host1 = sandbox.tokens.host(1);
  const config: Record<string, unknown> = {
    315: { auth_token: host3, scale_up_desired_size: 3, aws_keys: { ...ENTRY_KEYS, AWS_REGION: 'eu-west-1' } },
    316: { auth_token: host3, max_size: 2, ...(s.name316 ? { nodegroup_name: NODEGROUP[316] } : {}) },
    317: { auth_token: host3 },
    318: { auth_token: s.expiredHost318 ? sandbox.tokens.expired : host3 },
    320: { auth_token: host1, nodegroup_name: NODEGROUP[320] },
    301: { auth_token: host1 },
    ...(s.brokenEntry ? { 999: { scale_up_desired_size: 2 } } : {}),
  };
  const path = join(dir, `eks-config-${sandbox.url.split(':').at(-1)}.json`);
  writeFileSync(path, JSON.stringify(config));
  chmodSync(path, 0o600);
  return path;
}

export const property = (infra: () => Infra): CommandProperty<ScaleEksSchedule> => ({
  name: 'scale-eks',
  command: 'scale-eks',
  infra,
  state(s) {
    const state = stateFromSeed(SEED);
    if (s.hostCredentials316) state.challenges.get(316)!.use_host_credentials = true;
    if (s.drain320) for (const sub of state.submissions.values()) if (sub.challenge_phase === 3201 || sub.challenge_phase === 3202) sub.status = 'finished';
    return state;
  },
  plan(s, sandbox) {
    const file = s.source === 'file';
    const env: Record<string, string> = { ...EKS_KEYS, EKS_AWS_REGION: 'us-east-1' };
    if (file) env.JSON_PATH = configFile(s, sandbox, infra().dir);
    else env.LAMBDA_AUTH_TOKEN = sandbox.tokens.lambda!;
    const given = file
      ? [sandbox.tokens.host(3), sandbox.tokens.host(1), ...(s.expiredHost318 ? [sandbox.tokens.expired] : []), ENTRY_KEYS.AWS_ACCESS_KEY_ID, ENTRY_KEYS.AWS_SECRET_ACCESS_KEY]
      : [sandbox.tokens.lambda!];
    return {
      argv: ['--source', s.source],
      env,
      secrets: [...given, EKS_KEYS.EKS_AWS_ACCESS_KEY_ID, EKS_KEYS.EKS_AWS_SECRET_ACCESS_KEY],
      learned: file ? [] : [STS_CREDENTIALS.AccessKeyId, STS_CREDENTIALS.SecretAccessKey, STS_CREDENTIALS.SessionToken],
      aws: { faults: s.awsFaults, nodegroups: nodegroups(s) },
    };
  },
  model: {
    httpTarget: () => null,
    awsTarget(c, truth) {
      const owner = truth.clusterOwner.get(String(c.input.clusterName));
      if (owner === undefined) return null;
      const desired = (c.input.scalingConfig as { desiredSize?: number } | undefined)?.desiredSize;
      return { target: `challenge:${owner}`, challenge: owner, removal: desired === 0 };
    },
    observations(m, _truth, _rec, s) {
      const id = m.challenge;
      const key = m.aws!.key;
      const describe = awsCall(`DescribeNodegroup ${key}`, id, (c) => c.op === 'DescribeNodegroup' && c.key === key);
      const list = awsCall(`ListNodegroups of ${cluster(id)}`, id, (c) => c.op === 'ListNodegroups' && c.key === cluster(id));
      if (s.source === 'file') {
        // The nodegroup is configured for 320 (and 316 with name316); otherwise ListNodegroups chose it.
        const named = id === 320 || (id === 316 && s.name316);
        return [challengeByPk(id), metricsOf(id), evaluationClusterOf(id), describe, ...(named ? [] : [list])];
      }
      // autoscale_meta records no nodegroup for 316; its cluster is in the host's account with hostCredentials316.
      const assume = awsCall('STS AssumeRole', id, (c) => c.op === 'AssumeRole');
      return [autoscaleEligible(id), autoscaleMetaOf(id), pendingCountOf(id), describe, ...(id === 316 ? [list] : []), ...(id === 316 && s.hostCredentials316 ? [assume] : [])];
    },
    removalProblem: (m, truth, rec, s) => pendingProblem(rec, truth, m, m.challenge, s.source === 'file' ? metricsOf(m.challenge) : pendingCountOf(m.challenge)),
  },
});
