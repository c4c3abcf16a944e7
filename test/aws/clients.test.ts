import { afterEach, describe, expect, it } from 'vitest';
import { AwsClients, registerAwsEnvSecrets } from '../../src/aws/clients.js';
import { Secrets } from '../../src/runtime/secrets.js';

const keys = (id: string, secret: string) => ({ kind: 'static' as const, accessKeyId: id, secretAccessKey: secret, source: 'test' });

describe('AwsClients: one client per service, credentials and region', () => {
  let aws: AwsClients | undefined;
  afterEach(() => aws?.destroy());

  it('reuses a client for the same credentials and region', () => {
    aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
    const a = aws.eks('eu-west-1', keys('AKIAAAAA', 'secret-one'));
    const b = aws.eks('eu-west-1', keys('AKIAAAAA', 'secret-one'));
    expect(b).toBe(a);
    expect(aws.size).toBe(1);
  });

  it('builds another client for other credentials, region or service', () => {
    aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
    const base = aws.eks('eu-west-1', keys('AKIAAAAA', 'secret-one'));
    expect(aws.eks('eu-west-1', keys('AKIAAAAA', 'secret-two'))).not.toBe(base);
    expect(aws.eks('us-east-1', keys('AKIAAAAA', 'secret-one'))).not.toBe(base);
    expect(aws.eks('eu-west-1')).not.toBe(base);
    aws.ec2('eu-west-1');
    aws.sts('eu-west-1');
    expect(aws.size).toBe(6);
  });

  it('sqs(): one client per region, sending to the SDK\'s endpoint rather than the queue URL\'s host', () => {
    aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
    const a = aws.sqs('us-east-1');
    expect(aws.sqs('us-east-1')).toBe(a);
    expect(aws.sqs('eu-west-1')).not.toBe(a);
    expect(a.config.endpoint).toBeUndefined();
    expect(a.config.useQueueUrlAsEndpoint).toBe(false);
  });

  it('registers explicit keys as secrets', () => {
    const secrets = new Secrets();
    aws = new AwsClients({ secrets, timeoutMs: 1000 });
    aws.eks('eu-west-1', { ...keys('AKIAEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG'), sessionToken: 'FwoGZXIvYXdzSESSION' });
    expect(secrets.scrub('AKIAEXAMPLEKEY wJalrXUtnFEMI/K7MDENG FwoGZXIvYXdzSESSION')).toBe('[REDACTED] [REDACTED] [REDACTED]');
  });

  it('never sets an endpoint: the SDK reads AWS_ENDPOINT_URL itself', async () => {
    aws = new AwsClients({ secrets: new Secrets(), timeoutMs: 1000 });
    const client = aws.eks('eu-west-1', keys('AKIAAAAA', 'secret-one'));
    expect(client.config.endpoint).toBeUndefined();
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('registers the default chain\'s secrets from the environment', () => {
    const secrets = new Secrets();
    registerAwsEnvSecrets({ AWS_SECRET_ACCESS_KEY: 'env-secret-value', EKS_AWS_SECRET_ACCESS_KEY: 'eks-secret-value', PATH: '/usr/bin' }, secrets);
    expect(secrets.scrub('env-secret-value eks-secret-value /usr/bin')).toBe('[REDACTED] [REDACTED] /usr/bin');
  });
});
