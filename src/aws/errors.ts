import { NETWORK_REASONS } from '../runtime/network-errors.js';
import { cleanText } from '../runtime/sanitize.js';

/**
 * AWS SDK errors -> one clear reason each. Commands never look at SDK exception classes: they get an
 * `AwsError` with a `kind` to branch on, the AWS error code for the log, and a sentence a human reads.
 * No message built here contains a credential; AWS's own messages are kept short and are scrubbed
 * of registered secrets at output like everything else.
 */
export type AwsErrorKind =
  | 'not-found' // InvalidInstanceID.NotFound, ResourceNotFoundException, an empty describe
  | 'malformed-id' // InvalidInstanceID.Malformed
  | 'incorrect-state' // IncorrectInstanceState / IncorrectState: in transition, try next run
  | 'in-use' // ResourceInUseException: an EKS update is already running
  | 'invalid-parameter' // InvalidParameterException / InvalidParameterValue
  | 'throttled' // Throttling, RequestLimitExceeded, TooManyRequestsException
  | 'expired-credentials' // ExpiredToken, RequestExpired
  | 'bad-credentials' // keys AWS does not accept
  | 'no-credentials' // the default chain found nothing
  | 'access-denied' // AccessDenied, UnauthorizedOperation
  | 'no-region' // no region configured anywhere
  | 'unreachable' // network error, closed port, DNS
  | 'timeout'
  | 'unreadable' // a 2xx answer that is not the document AWS documents for the call (empty, HTML, cut short)
  | 'aws-error'; // anything else (AWS-side 5xx, unknown codes)

/**
 * Whether a failed call may still have acted. `failed`: AWS answered with an error code (or the
 * request never left: connection refused, no such host), so nothing happened. `unknown`: the
 * request may have reached AWS and acted, but no answer could be read (an unreadable 2xx, a
 * timeout, a connection lost mid-call, an AWS-side internal error). A caller that changes things
 * must treat `unknown` as "it may have happened": after a RunInstances with an unknown outcome,
 * no further launch this tick (the ClientToken makes a retry return the same instances).
 */
export type AwsOutcome = 'failed' | 'unknown';

/** Node codes of a request that never reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER']);
/** AWS codes that do not say whether the call acted. */
const SERVER_SIDE = new Set(['InternalError', 'InternalFailure', 'ServerException', 'ServiceUnavailable', 'ServiceUnavailableException', 'Unavailable']);

export class AwsError extends Error {
  constructor(
    readonly kind: AwsErrorKind,
    /** The AWS operation, e.g. "EC2 StartInstances". */
    readonly operation: string,
    /** The AWS error code or Node error code, when there is one. */
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`${operation}: ${reason}`);
    this.name = 'AwsError';
  }

  /** Whether the call may have acted anyway (see AwsOutcome). */
  get outcome(): AwsOutcome {
    if (this.kind === 'unreadable' || this.kind === 'timeout') return 'unknown';
    if (this.kind === 'unreachable') return this.code !== undefined && NOT_SENT.has(this.code) ? 'failed' : 'unknown';
    if (this.kind === 'aws-error') return this.code === undefined || SERVER_SIDE.has(this.code) ? 'unknown' : 'failed';
    return 'failed';
  }

  /** A transient condition: nothing is wrong, the next run will likely succeed. */
  get soft(): boolean {
    return this.kind === 'incorrect-state' || this.kind === 'in-use' || this.kind === 'throttled';
  }
}

export function isAwsError(err: unknown, kind?: AwsErrorKind): err is AwsError {
  return err instanceof AwsError && (kind === undefined || err.kind === kind);
}

interface Classified {
  kind: AwsErrorKind;
  explain: (message: string) => string;
}

const BY_CODE: Record<string, Classified> = {
  'InvalidInstanceID.NotFound': { kind: 'not-found', explain: (m) => `AWS does not know this instance (${m}): terminated long ago, another region or account, or a wrong id` },
  'InvalidInstanceID.Malformed': { kind: 'malformed-id', explain: (m) => `the instance id is malformed (${m})` },
  IncorrectInstanceState: { kind: 'incorrect-state', explain: (m) => `the instance is not in a state that allows this (${m}); look again next run` },
  IncorrectState: { kind: 'incorrect-state', explain: (m) => `the resource is not in a state that allows this (${m}); look again next run` },
  ResourceNotFoundException: { kind: 'not-found', explain: (m) => `not found (${m}): check the cluster and nodegroup names and the region` },
  ResourceInUseException: { kind: 'in-use', explain: (m) => `busy (${m}): an update is already in progress; look again next run` },
  InvalidParameterException: { kind: 'invalid-parameter', explain: (m) => `AWS refused the parameters (${m})` },
  InvalidParameterValue: { kind: 'invalid-parameter', explain: (m) => `AWS refused the parameters (${m})` },
  InvalidParameterCombination: { kind: 'invalid-parameter', explain: (m) => `AWS refused the parameters (${m})` },
  Throttling: { kind: 'throttled', explain: () => 'AWS throttled the call (after the SDK\'s retries); look again next run' },
  ThrottlingException: { kind: 'throttled', explain: () => 'AWS throttled the call (after the SDK\'s retries); look again next run' },
  RequestLimitExceeded: { kind: 'throttled', explain: () => 'AWS request limit exceeded (after the SDK\'s retries); look again next run' },
  TooManyRequestsException: { kind: 'throttled', explain: () => 'AWS throttled the call (after the SDK\'s retries); look again next run' },
  ExpiredToken: { kind: 'expired-credentials', explain: () => 'the AWS credentials have expired: refresh the session (or the keys) and run again' },
  ExpiredTokenException: { kind: 'expired-credentials', explain: () => 'the AWS credentials have expired: refresh the session (or the keys) and run again' },
  RequestExpired: { kind: 'expired-credentials', explain: () => 'AWS says the request expired: the credentials have expired or this machine\'s clock is wrong' },
  UnrecognizedClientException: { kind: 'bad-credentials', explain: () => 'AWS does not recognise these credentials (unknown or deleted access key)' },
  InvalidClientTokenId: { kind: 'bad-credentials', explain: () => 'AWS does not recognise these credentials (unknown or deleted access key)' },
  AuthFailure: { kind: 'bad-credentials', explain: () => 'AWS could not validate these credentials (wrong or deleted access key)' },
  InvalidAccessKeyId: { kind: 'bad-credentials', explain: () => 'AWS does not know this access key id' },
  SignatureDoesNotMatch: { kind: 'bad-credentials', explain: () => 'the secret access key does not match the access key id' },
  IncompleteSignature: { kind: 'bad-credentials', explain: () => 'the request signature is incomplete (check the credentials)' },
  AccessDenied: { kind: 'access-denied', explain: (m) => `access denied (${m}): the IAM policy lacks this action` },
  AccessDeniedException: { kind: 'access-denied', explain: (m) => `access denied (${m}): the IAM policy lacks this action` },
  UnauthorizedOperation: { kind: 'access-denied', explain: () => 'not authorised for this operation: the IAM policy lacks this action' },
  OptInRequired: { kind: 'access-denied', explain: () => 'the account is not subscribed to this service in this region' },
  ServerException: { kind: 'aws-error', explain: (m) => `AWS server error (${m}); look again next run` },
  ServiceUnavailableException: { kind: 'aws-error', explain: (m) => `AWS service unavailable (${m}); look again next run` },
  InternalError: { kind: 'aws-error', explain: (m) => `AWS internal error (${m}); look again next run` },
  Unavailable: { kind: 'aws-error', explain: (m) => `AWS unavailable (${m}); look again next run` },
};


/**
 * Turns anything an SDK call threw into an AwsError. `operation` names the call ("EKS
 * DescribeNodegroup"); `subject` (optional) names what it was about ("nodegroup ng-1").
 */
export function toAwsError(err: unknown, operation: string, subject?: string): AwsError {
  if (err instanceof AwsError) return err;
  const e = (err ?? {}) as { name?: unknown; code?: unknown; Code?: unknown; message?: unknown; address?: unknown; port?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === 'string' ? e.name : '';
  const nodeCode = typeof e.code === 'string' ? e.code : '';
  const message = shorten(typeof e.message === 'string' ? e.message : String(err));
  const about = subject ? `${subject}: ` : '';

  const notJson = notJsonAnswer(err, message);
  if (notJson) {
    const out = new AwsError('aws-error', operation, 'NotJson', `${about}the answer was not JSON (${notJson.what})${notJson.endpoint ? '' : ' (check AWS_ENDPOINT_URL: a proxy or login page answers instead of AWS?)'}`);
    if (notJson.endpoint) out.message = `${operation} at ${notJson.endpoint}: ${about}the answer was not JSON (${notJson.what}): is that endpoint AWS (check AWS_ENDPOINT_URL), or a proxy or login page?`;
    return out;
  }
  if (nodeCode && NETWORK_REASONS[nodeCode]) {
    const where = typeof e.address === 'string' ? ` at ${e.address}${typeof e.port === 'number' ? `:${e.port}` : ''}` : '';
    return new AwsError('unreachable', operation, nodeCode, `${about}AWS endpoint unreachable${where}: ${NETWORK_REASONS[nodeCode]} (check AWS_ENDPOINT_URL and the network)`);
  }
  if (name === 'TimeoutError' || nodeCode === 'ETIMEDOUT' || /timed? ?out/i.test(name)) {
    return new AwsError('timeout', operation, name || nodeCode, `${about}no answer from AWS in time`);
  }
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new AwsError('no-credentials', operation, name || undefined, `${about}no AWS credentials found (the default chain looked at the environment, ~/.aws and the instance role)`);
  }
  if (/region is missing/i.test(message)) {
    return new AwsError('no-region', operation, undefined, `${about}no AWS region configured (set AWS_REGION, or the region of the AWS profile, or the command's own: scale-eks --region, backend.region in the pool file)`);
  }
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 200 && status < 300) {
    // The SDK throws with a 2xx status only when it could not read the answer (its XML parser failed).
    return new AwsError('unreadable', operation, undefined, `${about}an HTTP ${status} answer the SDK could not read (${message.replace(/ Deserialization error:.*$/, '')}): the call may have acted`);
  }
  const code = name && name !== 'Error' ? name : typeof e.Code === 'string' ? e.Code : '';
  const known = BY_CODE[code];
  if (known) return new AwsError(known.kind, operation, code, `${about}${known.explain(`${code}: ${message}`)}`);
  if (/^(Throttl|RequestThrottled|SlowDown)/.test(code)) {
    return new AwsError('throttled', operation, code, `${about}AWS throttled the call (${code}); look again next run`);
  }
  if (code.endsWith('.NotFound') || code.endsWith('NotFoundException')) {
    return new AwsError('not-found', operation, code, `${about}not found (${code}: ${message})`);
  }
  return new AwsError('aws-error', operation, code || nodeCode || undefined, `${about}${code ? `${code}: ` : ''}${message}`);
}

/**
 * The SDK's deserialization error: an answer that is not JSON (an HTML proxy or login page, a wrong
 * AWS_ENDPOINT_URL) makes the SDK throw JSON.parse's SyntaxError with a hidden `$response`
 * (statusCode, headers; its body already read). What came back, and where from, in one line.
 */
function notJsonAnswer(err: unknown, message: string): { what: string; endpoint?: string } | null {
  const e = err as { name?: unknown; $response?: { statusCode?: unknown; headers?: Record<string, unknown>; body?: { req?: { protocol?: unknown; getHeader?: (name: string) => unknown } } } } | null;
  const response = e?.$response;
  if (!response || typeof response !== 'object' || (e.name !== 'SyntaxError' && !/Deserialization error/.test(message))) return null;
  const status = typeof response.statusCode === 'number' ? `HTTP ${response.statusCode}` : 'HTTP status unknown';
  const type = typeof response.headers?.['content-type'] === 'string' ? cleanText(response.headers['content-type'].split(';')[0]!, 60) : 'no content type';
  // JSON.parse's message quotes the start of the body: `Unexpected token '<', "<html><hea"... is not valid JSON`.
  const quoted = /"(.*?)"(\.\.\.)? is not valid JSON/.exec(message);
  const start = quoted ? `: '${cleanText(quoted[1]!, 80)}${quoted[2] ? '…' : ''}'` : /Unexpected end of JSON input/.test(message) ? ': an empty or cut body' : '';
  let endpoint: string | undefined;
  try {
    const req = response.body?.req;
    const host = req?.getHeader?.('host');
    if (typeof host === 'string' && typeof req?.protocol === 'string') endpoint = cleanText(`${req.protocol}//${host}`, 120);
  } catch {
    endpoint = undefined;
  }
  return { what: `${status}, ${type}${start}`, ...(endpoint ? { endpoint } : {}) };
}

/** The reason for a botocore error object that EvalAI passed through (`{"Error": {"Code", "Message"}}`). */
export function describeAwsErrorCode(code: string, message: string, operation = 'AWS'): AwsError {
  const err = Object.assign(new Error(message), { name: code });
  return toAwsError(err, operation);
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}
