import { DescribeInstancesCommand, EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { runScaleEc2 } from '../../src/commands/scale-ec2/run.js';
import type { ScaleEc2Policy } from '../../src/commands/scale-ec2/policy.js';
import { exitCodeFor } from '../../src/core/exit.js';
import type { Outcome } from '../../src/core/outcome.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ec2Error } from '../aws/helpers.js';
import { testContext } from './run-context.js';

const ec2Mock = mockClient(EC2Client);
let sandbox: Sandbox;
let aws: AwsClients;
beforeEach(async () => {
  ec2Mock.reset();
  sandbox = await startSandbox({ throttleRatePerMinute: false });
  aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
});
afterEach(async () => {
  aws.destroy();
  await sandbox.close();
});
afterAll(() => ec2Mock.restore());

const EC2_IDS = [SEEDED.ec2Stopped, SEEDED.ec2RunningIdle, SEEDED.ec2RunningBusy, SEEDED.ec2BootingInstance, SEEDED.ec2ChecksNotReady, SEEDED.ec2EndedRunning, SEEDED.ec2NoInstance];
const viaEvalAI: ScaleEc2Policy = { via: 'evalai', instanceIds: new Map(), awsTimeoutMs: 1000 };
const byId = (outcomes: Outcome[]) => new Map(outcomes.map((o) => [o.challengeId, o]));
const puts = () => sandbox.requests.filter((r) => r.method === 'PUT').map((r) => r.path);

describe('scale-ec2 through EvalAI (the default), against the sandbox', () => {
  it('starts, stops, defers and fails exactly as the decision table says', async () => {
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff), viaEvalAI, { aws });
    const o = byId(result.outcomes);
    expect(o.get(SEEDED.ec2Stopped)).toMatchObject({ action: 'start', status: 'done', reason: expect.stringMatching(/2 pending submissions and instance i-\w+ stopped/) });
    expect(o.get(SEEDED.ec2RunningIdle)).toMatchObject({ action: 'stop', status: 'done' });
    expect(o.get(SEEDED.ec2RunningBusy)).toMatchObject({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/busy: 1 pending/) });
    expect(o.get(SEEDED.ec2BootingInstance)).toMatchObject({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/is pending \(in transition\)/) });
    expect(o.get(SEEDED.ec2ChecksNotReady)).toMatchObject({ action: 'stop', status: 'unchanged', reason: expect.stringMatching(/stop deferred: the instance's status checks have not passed yet/) });
    expect(o.get(SEEDED.ec2EndedRunning)).toMatchObject({ action: 'stop', status: 'done', reason: expect.stringMatching(/ended, nothing pending/) });
    expect(o.get(SEEDED.ec2NoInstance)).toMatchObject({ status: 'failed', reason: 'the instance could not be described', error: expect.stringMatching(/HTML page/) });
    expect(o.get(SEEDED.activePendingNoWorker)).toMatchObject({ action: 'skip', status: 'skipped', reason: 'does not use an EC2 worker' });
    expect(exitCodeFor(result)).toBe(1);

    expect(puts().sort()).toEqual(
      [
        `/api/challenges/${SEEDED.ec2Stopped}/manage_ec2_instance/start/`,
        `/api/challenges/${SEEDED.ec2RunningIdle}/manage_ec2_instance/stop/`,
        `/api/challenges/${SEEDED.ec2ChecksNotReady}/manage_ec2_instance/stop/`,
        `/api/challenges/${SEEDED.ec2EndedRunning}/manage_ec2_instance/stop/`,
      ].sort(),
    );
    expect(sandbox.state.ec2Instances.get(SEEDED.instances.stopped)?.state).not.toBe('stopped');
    expect(sandbox.state.ec2Instances.get(SEEDED.instances.runningIdle)?.state).not.toBe('running');
  });

  it('calls nothing for challenges without an EC2 worker, and reads metrics only where they matter', async () => {
    await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { dryRun: true }), viaEvalAI, { aws });
    const perChallenge = sandbox.requests.filter((r) => !r.path.startsWith('/api/challenges/challenge/all/'));
    const touched = new Set(perChallenge.map((r) => Number(/\/(\d+)\//.exec(r.path)?.[1])));
    expect([...touched].sort()).toEqual([...EC2_IDS].sort());
    const metrics = perChallenge.filter((r) => r.path.includes('get_submission_metrics_by_pk')).map((r) => Number(/(\d+)\/$/.exec(r.path)?.[1]));
    // booting (transition) and no-instance challenges need no count
    expect(metrics.sort()).toEqual([SEEDED.ec2Stopped, SEEDED.ec2RunningIdle, SEEDED.ec2RunningBusy, SEEDED.ec2ChecksNotReady, SEEDED.ec2EndedRunning].sort());
  });

  it('--dry-run plans and changes nothing', async () => {
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { dryRun: true }), viaEvalAI, { aws });
    const o = byId(result.outcomes);
    expect(o.get(SEEDED.ec2Stopped)).toMatchObject({ action: 'start', status: 'planned' });
    expect(o.get(SEEDED.ec2RunningIdle)).toMatchObject({ action: 'stop', status: 'planned' });
    expect(puts()).toEqual([]);
  });

  it('ended with pending submissions and a running instance: draining, no stop (upstream stops it)', async () => {
    const running = sandbox.state.challenges.get(SEEDED.ec2RunningBusy)!;
    running.end_date = new Date(Date.now() - 60_000);
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { only: [SEEDED.ec2RunningBusy] }), viaEvalAI, { aws });
    expect(result.outcomes).toEqual([expect.objectContaining({ action: 'none', status: 'unchanged', reason: expect.stringMatching(/draining: ended with 1 pending submission/) })]);
    expect(puts()).toEqual([]);
  });

  it('stop of an instance that stopped meanwhile: "not found" is reported as nothing to stop', async () => {
    const instance = sandbox.state.ec2Instances.get(SEEDED.instances.runningIdle)!;
    // The instance stops after it was described (while the metrics are read), before the stop.
    const metrics = `/api/challenges/challenge/get_submission_metrics_by_pk/${SEEDED.ec2RunningIdle}/`;
    sandbox.fault({ path: metrics, fault: { kind: 'transform', fn: (body) => ((instance.state = 'stopped'), body) } });
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { only: [SEEDED.ec2RunningIdle] }), viaEvalAI, { aws });
    expect(result.outcomes[0]).toMatchObject({ action: 'stop', status: 'unchanged', reason: expect.stringMatching(/nothing to stop/) });
    expect(exitCodeFor(result)).toBe(0);
  });

  it('a rejected token stops the run (exit 3)', async () => {
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.expired), viaEvalAI, { aws });
    expect(exitCodeFor(result)).toBe(3);
  });
});

describe('scale-ec2 directly through EC2 (aws-sdk-client-mock on the real client)', () => {
  const viaAws = (ids: Array<[number, string]> = []): ScaleEc2Policy => ({ via: 'aws', instanceIds: new Map(ids), region: 'us-east-1', awsTimeoutMs: 1000 });
  const states: Record<string, string> = {
    [SEEDED.instances.stopped]: 'stopped',
    [SEEDED.instances.runningIdle]: 'running',
    [SEEDED.instances.runningBusy]: 'running',
    [SEEDED.instances.booting]: 'pending',
    [SEEDED.instances.checksNotReady]: 'running',
    [SEEDED.instances.endedRunning]: 'running',
  };
  beforeEach(() => {
    for (const [id, state] of Object.entries(states)) {
      ec2Mock.on(DescribeInstancesCommand, { InstanceIds: [id] }).resolves({ Reservations: [{ Instances: [{ InstanceId: id, State: { Name: state as never } }] }] });
    }
    ec2Mock.on(StartInstancesCommand).resolves({ StartingInstances: [] });
    ec2Mock.on(StopInstancesCommand).resolves({ StoppingInstances: [] });
  });

  it('describes, starts and stops through the SDK with the exact ids, and never PUTs to EvalAI', async () => {
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff), viaAws(), { aws });
    const o = byId(result.outcomes);
    expect(o.get(SEEDED.ec2Stopped)).toMatchObject({ action: 'start', status: 'done' });
    expect(o.get(SEEDED.ec2ChecksNotReady)).toMatchObject({ action: 'stop', status: 'done' });
    expect(o.get(SEEDED.ec2NoInstance)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^instance id unknown \(no --instance for this challenge, and EvalAI could not tell\)/) });
    expect(ec2Mock.commandCalls(StartInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [SEEDED.instances.stopped] }]);
    expect(ec2Mock.commandCalls(StopInstancesCommand).map((c) => c.args[0].input.InstanceIds![0]).sort()).toEqual(
      [SEEDED.instances.runningIdle, SEEDED.instances.checksNotReady, SEEDED.instances.endedRunning].sort(),
    );
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)).toHaveLength(6);
    expect(puts()).toEqual([]);
    expect(aws.size).toBe(1); // one EC2 client for the whole run
  });

  it('--instance gives the id without asking EvalAI', async () => {
    await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { only: [SEEDED.ec2Stopped] }), viaAws([[SEEDED.ec2Stopped, SEEDED.instances.stopped]]), { aws });
    expect(sandbox.requests.filter((r) => r.path.includes('get_ec2_instance_details'))).toEqual([]);
    expect(ec2Mock.commandCalls(StartInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: [SEEDED.instances.stopped] }]);
  });

  it('an instance AWS does not know is a failure of that challenge only', async () => {
    ec2Mock.on(DescribeInstancesCommand, { InstanceIds: [SEEDED.instances.runningIdle] }).rejects(ec2Error('InvalidInstanceID.NotFound', 'does not exist'));
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { only: [SEEDED.ec2RunningIdle, SEEDED.ec2Stopped] }), viaAws(), { aws });
    const o = byId(result.outcomes);
    expect(o.get(SEEDED.ec2RunningIdle)).toMatchObject({ status: 'failed', error: expect.stringMatching(/EC2 DescribeInstances: instance i-\w+: AWS does not know this instance/) });
    expect(o.get(SEEDED.ec2Stopped)).toMatchObject({ status: 'done' });
    expect(exitCodeFor(result)).toBe(1);
  });

  it('IncorrectInstanceState on start: deferred, not failed', async () => {
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('IncorrectInstanceState', 'not in a state from which it can be started'));
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { only: [SEEDED.ec2Stopped] }), viaAws(), { aws });
    expect(result.outcomes[0]).toMatchObject({ action: 'start', status: 'unchanged', reason: expect.stringMatching(/^start deferred: EC2 StartInstances: .*look again next run/) });
    expect(exitCodeFor(result)).toBe(0);
  });

  it('expired credentials: a clear reason per challenge', async () => {
    ec2Mock.on(StopInstancesCommand).rejects(ec2Error('RequestExpired', 'Request has expired.'));
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { only: [SEEDED.ec2RunningIdle] }), viaAws(), { aws });
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/credentials have expired or this machine's clock is wrong/), facts: expect.objectContaining({ awsCode: 'RequestExpired' }) });
  });

  it('--dry-run sends no Start or Stop', async () => {
    const result = await runScaleEc2(testContext(sandbox.url, sandbox.tokens.staff, { dryRun: true }), viaAws(), { aws });
    expect(byId(result.outcomes).get(SEEDED.ec2Stopped)).toMatchObject({ status: 'planned' });
    expect(ec2Mock.commandCalls(StartInstancesCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(StopInstancesCommand)).toHaveLength(0);
  });
});
