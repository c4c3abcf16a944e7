import fc from 'fast-check';
import { instanceIdFor, stateFromSeed, type Ec2StateName } from '../../src/sandbox/index.js';
import { awsCall, ec2DetailsOf, listEntry, metricsOf, pendingProblem } from './harness/observations.js';
import type { CommandProperty, Schedule } from './harness/property.js';
import { smallSeed, type Infra } from './harness/sandbox-world.js';
import {
  anyFaultArb,
  awsFaultArb,
  commonKnobsArb,
  faultAt,
  listFaultArb,
  metricsFaultArb,
  mutationFaultArb,
  rec,
  terminalFaultArb,
  transformArb,
  type AwsFaultSpec,
  type FaultSpec,
} from './harness/schedule.js';

/** Every EC2 case (308-314), two challenges without an EC2 worker, quiet background. */
const IDS = [1, 42, 301, 303, 308, 309, 310, 311, 312, 313, 314];
const EC2 = [308, 309, 310, 311, 312, 313, 314];
const SEED = smallSeed(new Date(), IDS);

/** The AWS keys of the run (the SDK's default chain would read them): never in any output. */
export const AWS_KEYS = { AWS_ACCESS_KEY_ID: 'AKIAPROPERTYEC2KEY01', AWS_SECRET_ACCESS_KEY: 'ec2/Property+Secret/Key000000000000000' };

export interface ScaleEc2Schedule extends Schedule {
  via: 'evalai' | 'aws';
  /** aws mode: --instance <challenge>=<instance id> for these challenges (the others ask EvalAI). */
  instanceFlags: number[];
  /** Instance states before the run, for a few challenges. */
  instances: Array<{ id: number; state: Ec2StateName; checksOk: boolean }>;
  awsFaults: AwsFaultSpec[];
  /** 314 (uses an EC2 worker, no instance id: EvalAI answers an HTML 500) is in the list. */
  withNoInstance: boolean;
}

export const scheduleArb: fc.Arbitrary<ScaleEc2Schedule> = rec<ScaleEc2Schedule>({
  knobs: commonKnobsArb(IDS),
  faults: fc.array(
    fc.oneof(
      { arbitrary: listFaultArb(IDS), weight: 2 },
      { arbitrary: metricsFaultArb(EC2), weight: 3 },
      { arbitrary: faultAt('ec2_details', EC2, fc.oneof({ arbitrary: terminalFaultArb(), weight: 3 }, { arbitrary: transformArb(fc.constant({ op: 'bad-state' as const })), weight: 1 })), weight: 3 },
      { arbitrary: mutationFaultArb('manage_ec2', EC2), weight: 2 },
      { arbitrary: anyFaultArb(), weight: 1 },
    ) as fc.Arbitrary<FaultSpec>,
    { maxLength: 5 },
  ),
  via: fc.constantFrom('evalai' as const, 'aws' as const),
  instanceFlags: fc.uniqueArray(fc.constantFrom(...EC2), { maxLength: 4 }),
  instances: fc.uniqueArray(
    rec<{ id: number; state: Ec2StateName; checksOk: boolean }>({
      id: fc.constantFrom(308, 309, 310, 311, 312, 313),
      state: fc.constantFrom('stopped' as const, 'running' as const, 'pending' as const, 'stopping' as const, 'terminated' as const),
      checksOk: fc.boolean(),
    }),
    { maxLength: 3, selector: (i) => i.id },
  ),
  awsFaults: fc.array(
    awsFaultArb(['DescribeInstances', 'StartInstances', 'StopInstances'], EC2, [
      'Throttling',
      'RequestLimitExceeded',
      'IncorrectInstanceState',
      'InvalidInstanceID.NotFound',
      'ExpiredToken',
      'UnauthorizedOperation',
      'InternalError',
      'ECONNRESET',
      'empty',
      'bad-state',
    ]),
    { maxLength: 4 },
  ),
  withNoInstance: fc.boolean(),
});

export const property = (infra: () => Infra): CommandProperty<ScaleEc2Schedule> => ({
  name: 'scale-ec2',
  command: 'scale-ec2',
  infra,
  state(s) {
    const state = stateFromSeed(SEED);
    if (!s.withNoInstance) {
      state.challenges.delete(314);
      for (const [id, phase] of state.phases) if (phase.challenge === 314) state.phases.delete(id);
    }
    for (const i of s.instances) {
      const instance = state.ec2Instances.get(instanceIdFor(i.id))!;
      instance.state = i.state;
      instance.statusChecksOk = i.state === 'running' && i.checksOk;
    }
    return state;
  },
  plan(s) {
    const argv = ['--via', s.via];
    if (s.via === 'aws') {
      argv.push('--region', 'us-east-1');
      for (const id of s.instanceFlags) argv.push('--instance', `${id}=${instanceIdFor(id)}`);
    }
    return {
      argv,
      env: { ...AWS_KEYS },
      secrets: [AWS_KEYS.AWS_ACCESS_KEY_ID, AWS_KEYS.AWS_SECRET_ACCESS_KEY],
      aws: { faults: s.via === 'aws' ? s.awsFaults : [] },
    };
  },
  model: {
    httpTarget(q) {
      const m = /^\/api\/challenges\/(\d+)\/manage_ec2_instance\/(\w+)\/$/.exec(q.path);
      if (!m) return null;
      return { target: `challenge:${m[1]}`, challenge: Number(m[1]), removal: m[2] === 'stop' };
    },
    awsTarget(c, truth) {
      const owner = truth.instanceOwner.get(c.key);
      if (owner === undefined) return null;
      return { target: `challenge:${owner}`, challenge: owner, removal: c.op === 'StopInstances' };
    },
    observations(m, truth, rec) {
      const id = m.challenge;
      const base = [listEntry(truth, id), metricsOf(id)];
      const viaAws = rec.result.argv.includes('aws');
      if (!viaAws) return [...base, ec2DetailsOf(id)];
      const flagged = rec.result.argv.includes(`${id}=${instanceIdFor(id)}`);
      const describe = awsCall(`DescribeInstances of ${instanceIdFor(id)}`, id, (c) => c.op === 'DescribeInstances' && c.key === instanceIdFor(id));
      return flagged ? [...base, describe] : [...base, ec2DetailsOf(id), describe];
    },
    removalProblem: (m, truth, rec) => pendingProblem(rec, truth, m, m.challenge, metricsOf(m.challenge)),
  },
});
