import { z } from '../runtime/zod.js';
import { EC2_STATES, type Ec2StateName } from '../aws/ec2-states.js';
import { describeAwsErrorCode } from '../aws/errors.js';
import { describeErrorValue } from './error-body.js';
import { EvalAIError, isEvalAIError } from './errors.js';
import { paths } from './paths.js';
import { errorForStatus } from './status-errors.js';
import type { Response, Transport } from './transport.js';
import { validate } from './validate.js';

/**
 * The staff-only EC2 endpoints (contract §2.8, §2.9). They answer 200 `{"action":"Success",
 * "message": <boto3 Instance dict | sentence>}`, 400 `{"action":"Failure","message": <sentence |
 * botocore error response>}`, 400 `{"error": ...}` for authorisation and scope refusals, 500 JSON
 * "No Response", or an HTML 500 when the server's own describe call raised. Domain answers become
 * typed results with a reason; transport-level problems (token, network, throttling) stay thrown.
 */

export interface Ec2Details {
  instanceId: string;
  state: Ec2StateName;
  stateCode?: number;
  instanceType?: string;
}

export type Ec2DetailsResult = { ok: true; instance: Ec2Details } | { ok: false; reason: string; awsCode?: string };

export type Ec2Action = 'start' | 'stop';

/** Why a start/stop was not carried out. `soft` ones are expected races: look again next run. */
export type Ec2RefusalKind =
  | 'checks-not-ready' // stop right after boot: "status checks are not ready"
  | 'already-stopped' // stop of an instance that is not running: the server says "not found"
  | 'not-stopped' // start of an instance that is not stopped (the server calls every such state "running")
  | 'not-running' // stop of a listed instance that is not running
  | 'instance-missing' // start: DescribeInstances found no instance
  | 'aws-error' // the AWS call itself failed (botocore error object)
  | 'server-error' // HTML 500 or "No Response"
  | 'failure'; // any other Failure message

export type Ec2ManageResult = { ok: true; message: string } | { ok: false; kind: Ec2RefusalKind; soft: boolean; reason: string; awsCode?: string };

const envelopeSchema = z.object({
  action: z.string().optional(),
  message: z.unknown().optional(),
  error: z.unknown().optional(),
});

const instanceSchema = z.object({
  InstanceId: z.string().min(1),
  State: z.object({
    Name: z.enum(EC2_STATES),
    Code: z.number().int().optional(),
  }),
  InstanceType: z.string().optional(),
});

const HTML_500 =
  "EvalAI's own DescribeInstances raised (HTTP 500 with an HTML page): usually the challenge has no EC2 instance id, AWS no longer knows the id, or the server's AWS credentials are missing";

/** GET get_ec2_instance_details/ (contract §2.9). */
export async function getEc2InstanceDetails(transport: Transport, pk: number): Promise<Ec2DetailsResult> {
  const endpoint = `get_ec2_instance_details of challenge ${pk}`;
  const res = await requestAccepting(transport, { method: 'GET', path: paths.ec2InstanceDetails(pk), endpoint });
  if (res === 'html-500') return { ok: false, reason: HTML_500 };
  const body = envelope(res, endpoint);
  if (res.status === 200 && body.action === 'Success') {
    const instance = validate(instanceSchema, body.message, endpoint, 'message');
    return {
      ok: true,
      instance: { instanceId: instance.InstanceId, state: instance.State.Name, stateCode: instance.State.Code, instanceType: instance.InstanceType },
    };
  }
  if (body.action === 'Failure') {
    const aws = awsFailure(body.message, 'EC2 DescribeInstances (through EvalAI)');
    if (aws) return { ok: false, reason: aws.reason, awsCode: aws.code };
    if (res.status === 500) return { ok: false, reason: `EvalAI answered HTTP 500: ${describeErrorValue(body.message ?? 'no message')}` };
    return { ok: false, reason: `EvalAI could not describe the instance: ${describeErrorValue(body.message ?? 'no message')}` };
  }
  throw new EvalAIError('malformed-response', endpoint, `unexpected answer (HTTP ${res.status}): ${preview(res.body)}`, res.status);
}

/** PUT manage_ec2_instance/{start|stop}/ WITH the trailing slash (contract §2.8, §6 row 11). */
export async function manageEc2Instance(transport: Transport, pk: number, action: Ec2Action): Promise<Ec2ManageResult> {
  const endpoint = `manage_ec2_instance/${action} of challenge ${pk}`;
  const res = await requestAccepting(transport, { method: 'PUT', path: paths.manageEc2Instance(pk, action), endpoint });
  if (res === 'html-500') return { ok: false, kind: 'server-error', soft: false, reason: HTML_500 };
  const body = envelope(res, endpoint);
  if (res.status === 200 && body.action === 'Success') {
    return { ok: true, message: typeof body.message === 'string' ? body.message : 'Success' };
  }
  if (body.action === 'Failure') return classifyFailure(action, res.status, body.message);
  throw new EvalAIError('malformed-response', endpoint, `unexpected answer (HTTP ${res.status}): ${preview(res.body)}`, res.status);
}

function classifyFailure(action: Ec2Action, status: number, message: unknown): Ec2ManageResult {
  const aws = awsFailure(message, action === 'start' ? 'EC2 StartInstances (through EvalAI)' : 'EC2 StopInstances (through EvalAI)');
  if (aws) return { ok: false, kind: 'aws-error', soft: aws.soft, reason: aws.reason, awsCode: aws.code };
  const text = describeErrorValue(message ?? 'no message');
  if (status === 500) return { ok: false, kind: 'server-error', soft: false, reason: `EvalAI answered HTTP 500: ${text}` };
  if (action === 'stop' && /status checks are not ready/i.test(text)) {
    return { ok: false, kind: 'checks-not-ready', soft: true, reason: `stop deferred: the instance's status checks have not passed yet (just booted); tried again next run (EvalAI: "${text}")` };
  }
  if (action === 'stop' && /not found/i.test(text)) {
    return { ok: false, kind: 'already-stopped', soft: true, reason: `nothing to stop: EvalAI lists only running instances for stop, so "not found" means it is no longer running (EvalAI: "${text}")` };
  }
  if (action === 'stop' && /is not running/i.test(text)) {
    return { ok: false, kind: 'not-running', soft: true, reason: `nothing to stop: the instance is no longer running (EvalAI: "${text}")` };
  }
  if (action === 'start' && /ensure the instance is stopped/i.test(text)) {
    return { ok: false, kind: 'not-stopped', soft: true, reason: `not started: the instance is no longer stopped (EvalAI calls any such state "running"); looked at again next run (EvalAI: "${text}")` };
  }
  if (action === 'start' && /not found/i.test(text)) {
    return { ok: false, kind: 'instance-missing', soft: false, reason: `EvalAI found no EC2 instance for this challenge (EvalAI: "${text}")` };
  }
  return { ok: false, kind: 'failure', soft: false, reason: `EvalAI answered Failure: ${text}` };
}

/** A botocore error response (`{"Error": {"Code", "Message"}, "ResponseMetadata": ...}`) or `{Code, Message}`. */
function awsFailure(message: unknown, operation: string): { reason: string; code: string; soft: boolean } | null {
  if (!message || typeof message !== 'object') return null;
  const o = message as Record<string, unknown>;
  const inner = (o.Error && typeof o.Error === 'object' ? o.Error : o) as Record<string, unknown>;
  if (typeof inner.Code !== 'string') return null;
  const err = describeAwsErrorCode(inner.Code, typeof inner.Message === 'string' ? inner.Message : '', operation);
  return { reason: err.message, code: inner.Code, soft: err.soft };
}

/**
 * The request with 400 and 500 accepted as domain answers. An HTML 500 (unparseable) comes back as
 * 'html-500'; a 400 without `action` is an authorisation or scope refusal and is thrown typed.
 */
async function requestAccepting(
  transport: Transport,
  spec: { method: 'GET' | 'PUT'; path: string; endpoint: string },
): Promise<Response | 'html-500'> {
  let res: Response;
  try {
    // Staff only (contract §2.8, §2.9): hosts are refused too.
    res = await transport.request({ ...spec, acceptStatuses: [400, 500], throttled: true, staffOnly: true });
  } catch (err) {
    if (isEvalAIError(err, 'malformed-response') && err.status === 500) return 'html-500';
    throw err;
  }
  if (res.status !== 200) {
    const body = res.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || !('action' in body)) {
      throw errorForStatus(spec.endpoint, res.status, res.body, res.text, {}, { staffOnly: true });
    }
  }
  return res;
}

function envelope(res: Response, endpoint: string): z.output<typeof envelopeSchema> {
  return validate(envelopeSchema, res.body ?? {}, endpoint);
}

function preview(body: unknown): string {
  const text = JSON.stringify(body ?? null);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}
