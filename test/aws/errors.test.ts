import { describe, expect, it } from 'vitest';
import { AwsError, describeAwsErrorCode, toAwsError, type AwsErrorKind } from '../../src/aws/errors.js';
import { ec2Error, eksError, stsError } from './helpers.js';

describe('toAwsError: one clear reason per AWS error', () => {
  const rows: Array<[string, unknown, AwsErrorKind, RegExp, boolean]> = [
    ['unknown instance', ec2Error('InvalidInstanceID.NotFound', "The instance ID 'i-0abc' does not exist"), 'not-found', /AWS does not know this instance.*terminated long ago/, false],
    ['malformed id', ec2Error('InvalidInstanceID.Malformed', 'Invalid id: ""'), 'malformed-id', /instance id is malformed/, false],
    ['incorrect instance state', ec2Error('IncorrectInstanceState', 'The instance is not in a state from which it can be started.'), 'incorrect-state', /not in a state that allows this.*next run/, true],
    ['incorrect state', ec2Error('IncorrectState'), 'incorrect-state', /next run/, true],
    ['EC2 throttling', ec2Error('RequestLimitExceeded', 'Request limit exceeded.'), 'throttled', /request limit exceeded/i, true],
    ['EKS throttling', eksError('ThrottlingException', 'Rate exceeded'), 'throttled', /throttled/, true],
    ['throttling', eksError('Throttling'), 'throttled', /throttled/, true],
    ['expired token', stsError('ExpiredToken', 'The security token included in the request is expired'), 'expired-credentials', /credentials have expired/, false],
    ['expired token (EKS)', eksError('ExpiredTokenException'), 'expired-credentials', /credentials have expired/, false],
    ['request expired', ec2Error('RequestExpired'), 'expired-credentials', /clock/, false],
    ['unknown key (EKS)', eksError('UnrecognizedClientException'), 'bad-credentials', /does not recognise/, false],
    ['auth failure (EC2)', ec2Error('AuthFailure'), 'bad-credentials', /could not validate/, false],
    ['wrong secret', ec2Error('SignatureDoesNotMatch'), 'bad-credentials', /secret access key does not match/, false],
    ['nodegroup not found', eksError('ResourceNotFoundException', 'No node group found for name: ng-x.'), 'not-found', /not found \(ResourceNotFoundException: No node group found for name: ng-x\.\): check the cluster and nodegroup names/, false],
    ['invalid parameter', eksError('InvalidParameterException', 'desired capacity 5 cant be greater than max size 3'), 'invalid-parameter', /AWS refused the parameters \(InvalidParameterException: desired capacity 5/, false],
    ['update in progress', eksError('ResourceInUseException', 'Nodegroup is currently being updated'), 'in-use', /update is already in progress/, true],
    ['access denied (EKS)', eksError('AccessDeniedException', 'User is not authorized to perform: eks:UpdateNodegroupConfig'), 'access-denied', /access denied.*eks:UpdateNodegroupConfig.*IAM policy/, false],
    ['access denied (STS)', stsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'), 'access-denied', /sts:AssumeRole/, false],
    ['unauthorized operation (EC2)', ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation. Encoded authorization failure message: AAAA'), 'access-denied', /IAM policy lacks this action/, false],
    ['server error', eksError('ServerException'), 'aws-error', /AWS server error/, false],
    ['unknown code', ec2Error('Gremlins', 'something odd'), 'aws-error', /Gremlins: something odd/, false],
    ['unknown NotFound code', ec2Error('InvalidVpcID.NotFound', 'no vpc'), 'not-found', /not found/, false],
    ['closed port', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 9 }), 'unreachable', /AWS endpoint unreachable at 127\.0\.0\.1:9: connection refused \(check AWS_ENDPOINT_URL/, false],
    ['DNS', Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }), 'unreachable', /host not found/, false],
    ['timeout', Object.assign(new Error('Request timed out'), { name: 'TimeoutError' }), 'timeout', /no answer from AWS in time/, false],
    ['no credentials', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'no-credentials', /no AWS credentials found/, false],
    ['no region', new Error('Region is missing'), 'no-region', /no AWS region configured \(set AWS_REGION/, false],
    // scale-pool has no --region flag: the hint names the pool file's field too.
    ['no region (the hint fits scale-pool)', new Error('Region is missing'), 'no-region', /no AWS region configured \(set AWS_REGION.*backend\.region in the pool file/, false],
  ];
  it.each(rows)('%s', (_name, err, kind, reason, soft) => {
    const e = toAwsError(err, 'EKS DescribeNodegroup');
    expect(e).toBeInstanceOf(AwsError);
    expect(e.kind).toBe(kind);
    expect(e.message).toMatch(/^EKS DescribeNodegroup: /);
    expect(e.message).toMatch(reason);
    expect(e.soft).toBe(soft);
  });

  it('names the subject and keeps the AWS code', () => {
    const e = toAwsError(ec2Error('InvalidInstanceID.NotFound'), 'EC2 StartInstances', 'instance i-0abc');
    expect(e.message).toMatch(/^EC2 StartInstances: instance i-0abc: AWS does not know this instance/);
    expect(e.code).toBe('InvalidInstanceID.NotFound');
  });

  it('keeps an AwsError as it is', () => {
    const e = new AwsError('not-found', 'op', undefined, 'x');
    expect(toAwsError(e, 'other')).toBe(e);
  });

  it('shortens long AWS messages to one line', () => {
    const e = toAwsError(ec2Error('Gremlins', 'a\n'.repeat(400)), 'op');
    expect(e.message.length).toBeLessThan(260);
    expect(e.message).not.toContain('\n');
  });

  it('maps a botocore error object passed through EvalAI', () => {
    const e = describeAwsErrorCode('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist", 'EC2 DescribeInstances (through EvalAI)');
    expect(e.kind).toBe('not-found');
    expect(e.message).toMatch(/^EC2 DescribeInstances \(through EvalAI\): AWS does not know this instance/);
  });
});

describe('AwsError.outcome: whether a failed call may have acted anyway', () => {
  const rows: Array<[string, unknown, 'failed' | 'unknown']> = [
    ['an EC2 error code (nothing happened)', ec2Error('InsufficientInstanceCapacity'), 'failed'],
    ['access denied', ec2Error('UnauthorizedOperation'), 'failed'],
    ['connection refused (never sent)', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'failed'],
    ['connection reset (sent, answer lost)', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'unknown'],
    ['timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'unknown'],
    ['AWS internal error', ec2Error('InternalError'), 'unknown'],
    ['EC2 unavailable', ec2Error('Unavailable'), 'unknown'],
    ['an error without an AWS code', new Error('something odd'), 'unknown'],
  ];
  it.each(rows)('%s', (_name, err, outcome) => {
    expect(toAwsError(err, 'EC2 RunInstances').outcome).toBe(outcome);
  });

  it('an SDK parse error on a 200 is unreadable, outcome unknown, one line without the SDK hint', () => {
    const err = Object.assign(new Error('@aws-sdk XML parse error: unexpected end of input.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 200 } });
    const e = toAwsError(err, 'EC2 RunInstances');
    expect(e).toMatchObject({ kind: 'unreadable', outcome: 'unknown' });
    expect(e.message).toBe('EC2 RunInstances: an HTTP 200 answer the SDK could not read (@aws-sdk XML parse error: unexpected end of input.): the call may have acted');
  });
});
