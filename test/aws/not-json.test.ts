import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EKSClient } from '@aws-sdk/client-eks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeNodegroup } from '../../src/aws/eks.js';

/** An "AWS endpoint" that answers an HTML page (a proxy's login page, a wrong AWS_ENDPOINT_URL). */
let server: Server;
let endpoint: string;
let body = '';
let status = 200;
beforeEach(async () => {
  server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body);
  });
  status = 200;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (): EKSClient => new EKSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' }, maxAttempts: 1 });

describe('an endpoint that answers HTML instead of AWS JSON', () => {
  it('one line naming the operation, the endpoint and what came back; not the SDK\'s SyntaxError and its hidden field', async () => {
    body = '<html><head><title>Proxy login</title></head><body>\u001b[31mSign in</body></html>';
    const err = await describeNodegroup(client(), 'evalai-c', 'ng-1').then(
      () => null,
      (e: unknown) => e as Error & { kind?: string },
    );
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(new RegExp(`^EKS DescribeNodegroup at ${endpoint.replace(/\./g, '\\.')}: .*the answer was not JSON \\(HTTP 200, text/html: '<html><hea…'\\)`));
    expect(err!.message).not.toMatch(/SyntaxError|Unexpected token|\$response|\n/);
    expect(err!.message).not.toContain('\u001b');
    expect(err!.kind).toBe('aws-error');
  });

  it('an error status with a short HTML body: the status and the whole body, cleaned', async () => {
    status = 502;
    body = '<h1>Bad gateway</h1>';
    const err = await describeNodegroup(client(), 'evalai-c', 'ng-1').catch((e: unknown) => e as Error);
    expect((err as Error).message).toContain(`EKS DescribeNodegroup at ${endpoint}: nodegroup ng-1 of cluster evalai-c: the answer was not JSON (HTTP 502, text/html: '<h1>Bad gateway</h1>')`);
  });
});
