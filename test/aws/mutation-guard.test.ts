import { EC2Client } from '@aws-sdk/client-ec2';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { guardMutations, MutationLedger } from '../../src/aws/mutation-guard.js';
import { ec2Backend } from '../../src/pool/backends/ec2.js';
import type { DemandSource } from '../../src/pool/demand/demand.js';
import { EMPTY_TICK_STATE, tick } from '../../src/pool/tick.js';
import { Secrets } from '../../src/runtime/secrets.js';
import { policy } from '../pool/builders.js';

/**
 * The real SDK client against a small EC2 on 127.0.0.1: two pool instances (one to mark ready, one
 * unhealthy for 13 h, to terminate), CreateTags held until the test lets it answer, so a signal can
 * come while it is in flight.
 */
const NOW = Date.UTC(2026, 10, 29, 12);
const POOL = 'trainers';
let server: Server;
let endpoint: string;
const actions: string[] = [];
/** CreateTags requests waiting for an answer; `createTagsArrived` settles when the next one comes. */
let held: Array<(status: number) => void> = [];
let holdCreateTags = false;
let createTagsArrived: Promise<void> = Promise.resolve();
let onCreateTags: () => void = () => undefined;

const XMLNS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"';
const tags = (t: Record<string, string>) => `<tagSet>${Object.entries(t).map(([k, v]) => `<item><key>${k}</key><value>${v}</value></item>`).join('')}</tagSet>`;
const instance = (id: string, t: Record<string, string>) =>
  `<item><instanceId>${id}</instanceId><instanceState><code>16</code><name>running</name></instanceState><launchTime>${new Date(NOW - 14 * 3_600_000).toISOString()}</launchTime><privateIpAddress>10.0.0.1</privateIpAddress>${tags(t)}</item>`;
const DESCRIBE = `<DescribeInstancesResponse ${XMLNS}><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet>${[
  instance('i-a', { 'evalai-autoscaler:pool': POOL, 'evalai-autoscaler:state': 'launching', 'evalai-autoscaler:state-since': new Date(NOW - 60_000).toISOString() }),
  instance('i-b', { 'evalai-autoscaler:pool': POOL, 'evalai-autoscaler:state': 'unhealthy', 'evalai-autoscaler:state-since': new Date(NOW - 13 * 3_600_000).toISOString() }),
].join('')}</instancesSet></item></reservationSet></DescribeInstancesResponse>`;

function answer(res: ServerResponse, action: string, status = 200): void {
  if (status !== 200) {
    res.writeHead(status, { 'content-type': 'text/xml' });
    return void res.end('<Response><Errors><Error><Code>ServiceUnavailable</Code><Message>try again</Message></Error></Errors><RequestID>r</RequestID></Response>');
  }
  const body =
    action === 'DescribeInstances'
      ? DESCRIBE
      : action === 'RunInstances'
        ? `<RunInstancesResponse ${XMLNS}><requestId>r</requestId><reservationId>r-2</reservationId><instancesSet><item><instanceId>i-new</instanceId><instanceState><code>0</code><name>pending</name></instanceState></item></instancesSet></RunInstancesResponse>`
        : action === 'TerminateInstances'
          ? `<TerminateInstancesResponse ${XMLNS}><requestId>r</requestId><instancesSet><item><instanceId>i-b</instanceId><currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>16</code><name>running</name></previousState></item></instancesSet></TerminateInstancesResponse>`
          : `<${action}Response ${XMLNS}><requestId>r</requestId><return>true</return></${action}Response>`;
  res.writeHead(200, { 'content-type': 'text/xml' });
  res.end(body);
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action') ?? '?';
      actions.push(action);
      if (action === 'CreateTags' && holdCreateTags) {
        holdCreateTags = false; // only the first one is slow
        held.push((status) => answer(res, action, status));
        onCreateTags();
        return;
      }
      answer(res, action);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const release of held) release(200);
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  actions.length = 0;
  held = [];
  holdCreateTags = false;
  createTagsArrived = new Promise((r) => (onCreateTags = r));
});

let signal: NodeJS.Signals | undefined;
function guardedClient(maxAttempts = 1): { client: EC2Client; ledger: MutationLedger } {
  signal = undefined;
  const client = new EC2Client({ region: 'us-east-1', endpoint, maxAttempts, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } });
  const ledger = new MutationLedger(() => signal);
  guardMutations(client, ledger);
  return { client, ledger };
}

/** Five jobs queued: more hosts wanted, so the tick launches after its tags and terminate. */
const demand: DemandSource = { read: async () => ({ known: true, n: 5, queued: 5, inFlight: 0, source: 'test' }) };
const runTick = (client: EC2Client) =>
  tick({
    pool: POOL,
    policy: policy({ minHosts: 1, maxHosts: 10, maxLaunchesPerTick: 1 }),
    backend: ec2Backend({ client, pool: POOL, config: { type: 'ec2', allocation: 'lowest-price-order', launchTemplate: { name: 't', version: '$Default' }, instanceTypes: [], market: 'on-demand', onDemandFallback: false, capacityBackoff: 60_000, tags: {} } }),
    demand,
    state: EMPTY_TICK_STATE,
    now: NOW,
    dryRun: false,
  });

describe('the mutation guard on the EC2 client', () => {
  it('without a signal every change goes out, and the ledger lists exactly what was sent', async () => {
    const { client, ledger } = guardedClient();
    const r = await runTick(client);
    expect(r.errors).toEqual([]);
    expect(actions.filter((a) => a !== 'DescribeInstances')).toEqual(['CreateTags', 'CreateTags', 'TerminateInstances', 'RunInstances']);
    expect(ledger.sent.map((c) => `${c.action} ${c.ids.join(',')}`)).toEqual(['CreateTags i-a', 'CreateTags i-b', 'TerminateInstances i-b', 'RunInstances i-new']);
    expect(ledger.refused).toEqual([]);
  });

  it('SIGTERM while CreateTags is slow: that call finishes, and no CreateTags, TerminateInstances or RunInstances leaves after it', async () => {
    const { client, ledger } = guardedClient();
    holdCreateTags = true;
    const running = runTick(client);
    await createTagsArrived;
    signal = 'SIGTERM';
    held.shift()!(200);
    const r = await running;
    expect(actions.filter((a) => a !== 'DescribeInstances')).toEqual(['CreateTags']);
    expect(ledger.sent.map((c) => `${c.action} ${c.ids.join(',')}`)).toEqual(['CreateTags i-a']);
    expect(ledger.refused.map((c) => `${c.action} ${c.ids.join(',')} ${c.signal}`)).toEqual(['CreateTags i-b SIGTERM', 'RunInstances  SIGTERM']);
    // The report says so: the terminate and the launch failed as not sent.
    expect(r.terminated).toEqual([]);
    expect(r.moves.find((m) => m.hostId === 'i-b')).toMatchObject({ to: 'terminating', status: 'failed', error: expect.stringContaining('CreateTags not sent: interrupted by SIGTERM') });
    expect(r.launches).toMatchObject({ status: 'failed', launched: [], error: expect.stringContaining('RunInstances not sent: interrupted by SIGTERM') });
  });

  it('an SDK retry after the signal is not sent either', async () => {
    const { client, ledger } = guardedClient(3);
    holdCreateTags = true;
    const running = runTick(client);
    await createTagsArrived;
    signal = 'SIGINT';
    // The call in flight fails with a retryable error after the signal: the SDK would try again.
    held.shift()!(503);
    await running;
    expect(actions.filter((a) => a === 'CreateTags')).toHaveLength(1);
    expect(actions).not.toContain('TerminateInstances');
    expect(actions).not.toContain('RunInstances');
    expect(ledger.sent.map((c) => c.action)).toEqual(['CreateTags']);
    expect(ledger.refused.map((c) => c.action)).toEqual(['CreateTags', 'CreateTags', 'RunInstances']);
  });

  it('is on every client AwsClients builds when given a ledger, and only then', () => {
    const names = (c: EC2Client) => c.middlewareStack.identify().join(' ');
    const guarded = new AwsClients({ secrets: new Secrets(), timeoutMs: 1_000, mutations: new MutationLedger(() => undefined) });
    const plain = new AwsClients({ secrets: new Secrets(), timeoutMs: 1_000 });
    expect(names(guarded.ec2('us-east-1'))).toContain('evalaiAutoscalerMutationGuard');
    expect(names(plain.ec2('us-east-1'))).not.toContain('evalaiAutoscalerMutationGuard');
    guarded.destroy();
    plain.destroy();
  });
});
