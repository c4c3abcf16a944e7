import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getEc2InstanceDetails, manageEc2Instance } from '../../src/evalai/ec2.js';
import { EvalAIError, isRunFatal } from '../../src/evalai/errors.js';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { testTransport } from './fixtures.js';

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSandbox({ throttleRatePerMinute: false });
});
afterEach(() => sandbox.close());

const staff = () => testTransport(sandbox.url, sandbox.tokens.staff).transport;
const challenge = (pk: number) => sandbox.state.challenges.get(pk)!;

describe('getEc2InstanceDetails (contract §2.9)', () => {
  it('returns the instance id and state of the boto3 Instance dict', async () => {
    expect(await getEc2InstanceDetails(staff(), SEEDED.ec2RunningIdle)).toEqual({
      ok: true,
      instance: { instanceId: SEEDED.instances.runningIdle, state: 'running', stateCode: 16, instanceType: 'g4dn.xlarge' },
    });
    expect(await getEc2InstanceDetails(staff(), SEEDED.ec2Stopped)).toMatchObject({ ok: true, instance: { state: 'stopped' } });
  });

  it('an id AWS does not know: the botocore error object becomes a clear reason', async () => {
    challenge(SEEDED.ec2Stopped).ec2_instance_id = 'i-0123456789abcdef0';
    const r = await getEc2InstanceDetails(staff(), SEEDED.ec2Stopped);
    expect(r).toMatchObject({ ok: false, awsCode: 'InvalidInstanceID.NotFound' });
    expect(!r.ok && r.reason).toMatch(/AWS does not know this instance \(InvalidInstanceID\.NotFound: The instance ID 'i-0123456789abcdef0' does not exist\)/);
    expect(!r.ok && r.reason).not.toMatch(/ResponseMetadata|RequestId/);
  });

  it('an empty id: malformed', async () => {
    challenge(SEEDED.ec2Stopped).ec2_instance_id = '';
    expect(await getEc2InstanceDetails(staff(), SEEDED.ec2Stopped)).toMatchObject({ ok: false, awsCode: 'InvalidInstanceID.Malformed' });
  });

  it('no instance id at all: the HTML 500 becomes a reason, not a crash, and is not retried', async () => {
    const r = await getEc2InstanceDetails(staff(), SEEDED.ec2NoInstance);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/HTTP 500 with an HTML page.*no EC2 instance id/);
    expect(sandbox.requests.filter((q) => q.path.includes('get_ec2_instance_details'))).toHaveLength(1);
  });

  it('a challenge that does not use EC2 is refused (thrown, with the server\'s words)', async () => {
    await expect(getEc2InstanceDetails(staff(), SEEDED.activeIdleWorker)).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringMatching(/Challenge does not use EC2 worker instance/),
    });
  });

  it('a non-staff token (even the challenge host\'s) is a run-level "not a staff token" (400 from the view)', async () => {
    const host = testTransport(sandbox.url, sandbox.tokens.host(SEEDED.teams.ec2)).transport;
    const err = await getEc2InstanceDetails(host, SEEDED.ec2Stopped).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'not-staff', status: 400 });
    expect(isRunFatal(err)).toBe(true);
    expect((err as Error).message).toMatch(/this token is not a staff token/);
  });

  it('a rejected token stays fatal', async () => {
    const expired = testTransport(sandbox.url, sandbox.tokens.expired).transport;
    await expect(getEc2InstanceDetails(expired, SEEDED.ec2Stopped)).rejects.toMatchObject({ kind: 'token-rejected' });
  });

  it('a Success without a usable instance is a malformed response naming the field', async () => {
    sandbox.fault({ path: /get_ec2_instance_details/, fault: { kind: 'transform', fn: () => ({ action: 'Success', message: { InstanceId: 'i-1', State: { Name: 'sleeping' } } }) } });
    const err = await getEc2InstanceDetails(staff(), SEEDED.ec2Stopped).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvalAIError);
    expect((err as EvalAIError).kind).toBe('malformed-response');
    expect((err as EvalAIError).message).toMatch(/message\.State\.Name/);
  });
});

describe('manageEc2Instance (contract §2.8)', () => {
  it('starts with a PUT to the slashed path (no redirect)', async () => {
    expect(await manageEc2Instance(staff(), SEEDED.ec2Stopped, 'start')).toEqual({ ok: true, message: `Instance for challenge ${SEEDED.ec2Stopped} successfully started.` });
    const puts = sandbox.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [r.path, r.status])).toEqual([[`/api/challenges/${SEEDED.ec2Stopped}/manage_ec2_instance/start/`, 200]]);
  });

  it('stops a running instance whose checks passed', async () => {
    expect(await manageEc2Instance(staff(), SEEDED.ec2RunningIdle, 'stop')).toMatchObject({ ok: true });
  });

  it('status checks not ready: a soft failure, retried next run', async () => {
    const r = await manageEc2Instance(staff(), SEEDED.ec2ChecksNotReady, 'stop');
    expect(r).toMatchObject({ ok: false, kind: 'checks-not-ready', soft: true });
    expect(!r.ok && r.reason).toMatch(/status checks have not passed yet.*tried again next run/);
  });

  it('stop of an already stopped instance: the server says "not found"; soft', async () => {
    const r = await manageEc2Instance(staff(), SEEDED.ec2Stopped, 'stop');
    expect(r).toMatchObject({ ok: false, kind: 'already-stopped', soft: true });
    expect(!r.ok && r.reason).toMatch(/nothing to stop.*no longer running/);
  });

  it('start of an instance that is not stopped: soft', async () => {
    expect(await manageEc2Instance(staff(), SEEDED.ec2RunningIdle, 'start')).toMatchObject({ ok: false, kind: 'not-stopped', soft: true });
  });

  it('a botocore error from StopInstances: the AWS reason, hard', async () => {
    challenge(SEEDED.ec2RunningIdle).ec2Failure = { Code: 'UnauthorizedOperation', Message: 'You are not authorized to perform this operation.' };
    const r = await manageEc2Instance(staff(), SEEDED.ec2RunningIdle, 'stop');
    expect(r).toMatchObject({ ok: false, kind: 'aws-error', soft: false, awsCode: 'UnauthorizedOperation' });
    expect(!r.ok && r.reason).toMatch(/^EC2 StopInstances \(through EvalAI\): not authorised for this operation/);
  });

  it('a botocore IncorrectInstanceState: soft', async () => {
    challenge(SEEDED.ec2Stopped).ec2Failure = { Code: 'IncorrectInstanceState', Message: 'not in a state from which it can be started' };
    expect(await manageEc2Instance(staff(), SEEDED.ec2Stopped, 'start')).toMatchObject({ ok: false, kind: 'aws-error', soft: true });
  });

  it('an HTML 500 from the server\'s describe stage: a hard failure with a reason', async () => {
    const r = await manageEc2Instance(staff(), SEEDED.ec2NoInstance, 'start');
    expect(r).toMatchObject({ ok: false, kind: 'server-error', soft: false });
    expect(sandbox.requests.filter((q) => q.method === 'PUT')).toHaveLength(1);
  });

  it('start after the end date: the 406 is thrown with the server\'s words', async () => {
    await expect(manageEc2Instance(staff(), SEEDED.ec2EndedRunning, 'start')).rejects.toMatchObject({
      status: 406,
      message: expect.stringMatching(/not supported for an inactive challenge/),
    });
  });

  it('stop is allowed after the end date', async () => {
    expect(await manageEc2Instance(staff(), SEEDED.ec2EndedRunning, 'stop')).toMatchObject({ ok: true });
  });

  it('an HTML page with another status is an error of the transport', async () => {
    sandbox.fault({ method: 'PUT', fault: { kind: 'html', status: 502 } });
    await expect(manageEc2Instance(staff(), SEEDED.ec2Stopped, 'start')).rejects.toMatchObject({ kind: 'server-error', status: 502 });
  });
});
