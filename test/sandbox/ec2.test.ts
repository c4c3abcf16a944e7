import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call, fakeClock } from './http.js';

const manage = (pk: number, action: string): string => `/api/challenges/${pk}/manage_ec2_instance/${action}/`;
const details = (pk: number): string => `/api/challenges/${pk}/get_ec2_instance_details/`;

describe('EC2 endpoints (§2.8, §2.9)', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(() => sb.close());

  it('describes the instance as a boto3 Instance dict', async () => {
    const res = await call(sb, 'GET', details(SEEDED.ec2RunningIdle), { token: sb.tokens.staff });
    expect(res.status).toBe(200);
    const body = res.body as { action: string; message: Record<string, unknown> };
    expect(body.action).toBe('Success');
    expect(body.message).toMatchObject({ InstanceId: SEEDED.instances.runningIdle, State: { Code: 16, Name: 'running' } });
    expect(body.message.LaunchTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.message.PublicIpAddress).toBeDefined();
  });

  it('gives a botocore error object for an unknown or empty id, and HTML 500 for null', async () => {
    const challenge = sb.state.challenges.get(SEEDED.ec2Stopped)!;
    challenge.ec2_instance_id = 'i-0123456789abcdef0';
    const unknown = await call(sb, 'GET', details(SEEDED.ec2Stopped), { token: sb.tokens.staff });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      action: 'Failure',
      message: {
        Error: { Code: 'InvalidInstanceID.NotFound' },
        ResponseMetadata: { HTTPStatusCode: 400, RetryAttempts: 0 },
      },
    });
    challenge.ec2_instance_id = '';
    expect((await call(sb, 'GET', details(SEEDED.ec2Stopped), { token: sb.tokens.staff })).body).toMatchObject({
      message: { Error: { Code: 'InvalidInstanceID.Malformed' } },
    });
    const none = await call(sb, 'GET', details(SEEDED.ec2NoInstance), { token: sb.tokens.staff });
    expect(none.status).toBe(500);
    expect(none.headers.get('content-type')).toContain('text/html');
  });

  it('is staff only and needs uses_ec2_worker', async () => {
    const host = await call(sb, 'GET', details(SEEDED.ec2Stopped), { token: sb.tokens.host(SEEDED.teams.ec2) });
    expect(host.status).toBe(400);
    expect(host.body).toEqual({ error: 'Sorry, you are not authorized for access EC2 operations.' });
    const notEc2 = await call(sb, 'PUT', manage(SEEDED.activeIdleWorker, 'stop'), { token: sb.tokens.staff });
    expect(notEc2.status).toBe(400);
    expect(notEc2.body).toEqual({ error: 'Challenge does not use EC2 worker instance.' });
    expect((await call(sb, 'PUT', manage(SEEDED.ec2Stopped, 'reboot'), { token: sb.tokens.staff })).body).toEqual({
      error: 'The action reboot is invalid for worker',
    });
  });

  it('starts a stopped instance and refuses to start a running one', async () => {
    const ok = await call(sb, 'PUT', manage(SEEDED.ec2Stopped, 'start'), { token: sb.tokens.staff });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ message: `Instance for challenge ${SEEDED.ec2Stopped} successfully started.`, action: 'Success' });
    const running = await call(sb, 'PUT', manage(SEEDED.ec2RunningBusy, 'start'), { token: sb.tokens.staff });
    expect(running.status).toBe(400);
    expect(running.body).toEqual({
      message: `Instance for challenge ${SEEDED.ec2RunningBusy} is running. Please ensure the instance is stopped.`,
      action: 'Failure',
    });
  });

  it('stop: not found for a stopped instance, checks-not-ready, allowed after end_date; start is not', async () => {
    const stopped = await call(sb, 'PUT', manage(SEEDED.ec2Stopped, 'stop'), { token: sb.tokens.staff });
    expect(stopped.status).toBe(400);
    expect(stopped.body).toEqual({
      message: `Instance for challenge ${SEEDED.ec2Stopped} not found. Please ensure the instance exists.`,
      action: 'Failure',
    });
    expect((await call(sb, 'PUT', manage(SEEDED.ec2ChecksNotReady, 'stop'), { token: sb.tokens.staff })).body).toEqual({
      message: `Instance status checks are not ready for challenge ${SEEDED.ec2ChecksNotReady}. Please wait for the status checks to pass.`,
      action: 'Failure',
    });
    expect((await call(sb, 'PUT', manage(SEEDED.ec2EndedRunning, 'stop'), { token: sb.tokens.staff })).status).toBe(200);
    expect(sb.state.ec2Instances.get(SEEDED.instances.endedRunning)!.state).toBe('stopped');
    const start = await call(sb, 'PUT', manage(SEEDED.ec2EndedRunning, 'start'), { token: sb.tokens.staff });
    expect(start.status).toBe(406);
    expect(start.body).toEqual({ error: 'Action start EC2 instance is not supported for an inactive challenge.' });
  });

  it('answers HTML 500 when the describe stage fails, and a botocore 400 for forced AWS errors', async () => {
    const none = await call(sb, 'PUT', manage(SEEDED.ec2NoInstance, 'start'), { token: sb.tokens.staff });
    expect(none.status).toBe(500);
    expect(none.headers.get('content-type')).toContain('text/html');
    sb.state.challenges.get(SEEDED.ec2Stopped)!.ec2Failure = { Code: 'InsufficientInstanceCapacity', Message: 'No capacity.' };
    const forced = await call(sb, 'PUT', manage(SEEDED.ec2Stopped, 'start'), { token: sb.tokens.staff });
    expect(forced.status).toBe(400);
    expect(forced.body).toMatchObject({ action: 'Failure', message: { Error: { Code: 'InsufficientInstanceCapacity' } } });
  });
});

describe('EC2 transitions (ec2TransitionMs)', () => {
  it('goes pending → running → checks ok, and stopping → stopped, on the sandbox clock', async () => {
    const clock = fakeClock();
    const sb = await startSandbox({ now: clock.now, ec2TransitionMs: 30_000 });
    try {
      const token = sb.tokens.staff;
      const stateName = async (): Promise<string> =>
        ((await call(sb, 'GET', details(SEEDED.ec2Stopped), { token })).body as { message: { State: { Name: string } } }).message.State.Name;
      await call(sb, 'PUT', manage(SEEDED.ec2Stopped, 'start'), { token });
      expect(await stateName()).toBe('pending');
      clock.advance(30_000);
      expect(await stateName()).toBe('running');
      expect((await call(sb, 'PUT', manage(SEEDED.ec2Stopped, 'stop'), { token })).body).toMatchObject({ action: 'Failure' });
      clock.advance(30_000);
      expect((await call(sb, 'PUT', manage(SEEDED.ec2Stopped, 'stop'), { token })).status).toBe(200);
      expect(await stateName()).toBe('stopping');
      clock.advance(30_000);
      expect(await stateName()).toBe('stopped');
    } finally {
      await sb.close();
    }
  });
});
