import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LocalHttpServer } from './local-server.js';

// As src/aws/clients.ts does: the SDK's multi-line Node-version notice is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * A small stateful EC2 that speaks EC2's Query protocol over HTTP on 127.0.0.1, so the REAL
 * `EC2Client` (its serializer, XML parser, error handling and retries) is what the code under test
 * talks to. Requests are form-encoded POSTs (`Action=...&Version=...`); answers are the XML EC2
 * documents, in the EC2 namespace; errors are EC2's `<Response><Errors>` document with EC2's HTTP
 * status. Signatures are not checked.
 *
 * Actions: DescribeInstances (filters `tag:<key>`, `instance-state-name`, `instance-id`,
 * `client-token`; `InstanceId.N`; `MaxResults`/`NextToken` pages), RunInstances (`ClientToken`
 * idempotency: the same token and parameters answer the same reservation, other parameters
 * `IdempotentParameterMismatch`), CreateFleet of type `instant` (overrides tried in order, each
 * launching what is left unless `capacity` refuses its market and type, which lands in the answer's
 * errorSet; the same ClientToken idempotency; instances tagged `aws:ec2:fleet-id` as EC2 does),
 * CreateLaunchTemplate (a name made twice answers `InvalidLaunchTemplateName.AlreadyExistsException`),
 * CreateTags, TerminateInstances, DescribeSpotPriceHistory.
 * `DryRun=true` on a changing action answers `DryRunOperation` (412) and changes nothing.
 *
 * The state model mirrors test/pool/ec2-fake.ts (the aws-sdk-client-mock fake): `instances`,
 * a virtual clock `now` (ms; launch times come from it), `advance()`, `add()`, `live()`,
 * `capacity`, `failNext`, `terminated`, `onTerminate`, `spotPrices`, `pageSize`. On top:
 * `requests` (every request as received, parsed), `listLagMs` (a lagging list: DescribeInstances
 * does not show instances launched less than this many virtual ms ago, as EC2's eventually
 * consistent API may not), `runDelay` (a gate a RunInstances waits on after it acted, before it
 * answers), and `respond` (replace any answer: the fault proxy in ./fault-proxy.ts covers
 * transport faults).
 */

export type FakeInstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

export interface FakeInstance {
  id: string;
  state: FakeInstanceState;
  tags: Record<string, string>;
  /** Virtual ms (the fake's clock when it was launched). */
  launchTime: number;
  type: string;
  spot: boolean;
  zone: string;
  privateIp: string;
  clientToken?: string;
  /** The ClientToken of the CreateFleet that launched it. */
  fleetToken?: string;
  reservationId: string;
  imageId: string;
  subnetId?: string;
}

/** One request as the fake received it. */
export interface FakeRequest {
  /** 1-based, over every request. */
  seq: number;
  action: string;
  params: URLSearchParams;
}

/** A raw answer: what `respond` may return instead of the fake's own. */
export interface RawAnswer {
  status: number;
  body: string;
  contentType?: string;
}

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

const STATE_CODES: Record<FakeInstanceState, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

/** EC2's documented HTTP status per error code (client errors 400 unless listed). */
export function ec2ErrorStatus(code: string): number {
  if (code === 'DryRunOperation') return 412;
  if (code === 'UnauthorizedOperation' || code === 'OptInRequired' || code === 'Blocked') return 403;
  if (code === 'AuthFailure') return 401;
  if (code === 'RequestLimitExceeded' || code === 'Unavailable' || code === 'ServiceUnavailable') return 503;
  if (code === 'InternalError' || code.startsWith('Insufficient')) return 500;
  return 400;
}

/** EC2's error document. */
export function ec2ErrorXml(code: string, message: string, requestId = 'fake-request'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${esc(requestId)}</RequestID></Response>`;
}

/** An EC2 error a handler throws: answered as EC2's error document with EC2's status. */
export class Ec2FakeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = ec2ErrorStatus(code),
  ) {
    super(message);
  }
}

export interface Ec2HttpFakeOptions {
  region?: string;
}

export class Ec2HttpFake {
  readonly instances = new Map<string, FakeInstance>();
  /** The virtual clock, ms. */
  now = 0;
  /** DescribeInstances answers at most this many instances per page. */
  pageSize = 1000;
  /** A lagging list: DescribeInstances hides instances launched less than this many virtual ms ago. */
  listLagMs = 0;
  spotPrices: Record<string, number> = {};
  /** An error code for a RunInstances of this market and type (a capacity error), or null. */
  capacity: (market: 'spot' | 'on-demand', type: string) => string | null = () => null;
  /** Action -> error code: the next call of that action answers this EC2 error (once). */
  readonly failNext = new Map<string, string>();
  /** Every terminate request, by id: the safety tests look here. */
  readonly terminated: string[] = [];
  /** Called for each instance as TerminateInstances reaches it, before its state changes. */
  onTerminate: (instance: FakeInstance) => void = () => {};
  /** Every request received, in order (faults included: the fake saw it). */
  readonly requests: FakeRequest[] = [];
  /**
   * Awaited after a RunInstances (or a CreateFleet) acted and before it answers (a slow answer, e.g. for two
   * schedulers racing): resolve it from the test. Null: answer at once.
   */
  runDelay: ((req: FakeRequest) => Promise<void>) | null = null;
  /**
   * Replaces an answer: called with the request and the fake's own answer (after the fake acted);
   * return a RawAnswer to send instead, 'drop' to close the connection without an answer, or
   * undefined to send the fake's own.
   */
  respond: ((req: FakeRequest, own: RawAnswer) => RawAnswer | 'drop' | undefined) | null = null;
  readonly region: string;
  private readonly http = new LocalHttpServer('Ec2HttpFake');
  private seq = 0;
  private requestSeq = 0;
  private readonly tokens = new Map<string, { signature: string; reservationId: string; ids: string[] }>();
  private readonly fleetTokens = new Map<string, { signature: string; xml: string }>();
  /** Launch template names made with CreateLaunchTemplate. */
  readonly templates = new Set<string>();

  constructor(options: Ec2HttpFakeOptions = {}) {
    this.region = options.region ?? 'us-east-1';
  }

  /** Listens on 127.0.0.1 (a free port); resolves to the endpoint URL. */
  start(): Promise<string> {
    return this.http.start((req, res) => this.handle(req, res));
  }

  get url(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /**
   * The real SDK client aimed at `endpoint` (this fake, or a fault proxy in front of it), with
   * fake credentials and one attempt (no SDK retry) unless told otherwise.
   */
  client(endpoint = this.url, maxAttempts = 1): EC2Client {
    return new EC2Client({
      endpoint,
      region: this.region,
      credentials: { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
      maxAttempts,
      requestHandler: { requestTimeout: 30_000, connectionTimeout: 30_000 },
    });
  }

  /** The actions received, in order. */
  actions(): string[] {
    return this.requests.map((r) => r.action);
  }

  /** How many requests of this action were received. */
  count(action: string): number {
    return this.requests.filter((r) => r.action === action).length;
  }

  /** An instance made outside the pool (or an orphan): any tags. */
  add(partial: Partial<FakeInstance> & { tags: Record<string, string> }): FakeInstance {
    const id = this.nextId();
    const instance: FakeInstance = {
      id,
      state: 'running',
      launchTime: this.now,
      type: 'c5.large',
      spot: false,
      zone: `${this.region}a`,
      privateIp: this.nextIp(),
      reservationId: `r-${id.slice(2)}`,
      imageId: 'ami-0fake',
      ...partial,
    };
    this.instances.set(instance.id, instance);
    return instance;
  }

  /** Time passes: pending instances run, shutting-down ones are gone. */
  advance(ms = 60_000): void {
    this.now += ms;
    for (const i of this.instances.values()) {
      if (i.state === 'pending') i.state = 'running';
      else if (i.state === 'shutting-down') i.state = 'terminated';
    }
  }

  /** Instances that are billed or about to be (not shutting-down, not terminated), of a pool when given. */
  live(pool?: string): FakeInstance[] {
    return [...this.instances.values()].filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down' && (pool === undefined || i.tags['evalai-autoscaler:pool'] === pool));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      void this.answer(Buffer.concat(chunks).toString('utf8'), res);
    });
  }

  private async answer(body: string, res: ServerResponse): Promise<void> {
    const params = new URLSearchParams(body);
    this.requestSeq += 1;
    const request: FakeRequest = { seq: this.requestSeq, action: params.get('Action') ?? '', params };
    this.requests.push(request);
    let own: RawAnswer;
    try {
      const xml = await this.act(request);
      own = { status: 200, body: xml, contentType: 'text/xml;charset=UTF-8' };
    } catch (err) {
      const e = err instanceof Ec2FakeError ? err : new Ec2FakeError('InternalError', err instanceof Error ? err.message : String(err));
      own = { status: e.status, body: ec2ErrorXml(e.code, e.message, `req-${request.seq}`), contentType: 'text/xml;charset=UTF-8' };
    }
    const replaced = this.respond?.(request, own);
    if (replaced === 'drop') {
      res.socket?.destroy();
      return;
    }
    const out = replaced ?? own;
    res.writeHead(out.status, { 'content-type': out.contentType ?? 'text/xml;charset=UTF-8', 'x-amzn-requestid': `req-${request.seq}` });
    res.end(out.body);
  }

  private async act(req: FakeRequest): Promise<string> {
    const code = this.failNext.get(req.action);
    if (code) {
      this.failNext.delete(req.action);
      throw new Ec2FakeError(code, `${code} (failNext)`);
    }
    const p = req.params;
    const changing = ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate', 'CreateTags', 'TerminateInstances'].includes(req.action);
    if (changing && p.get('DryRun') === 'true') throw new Ec2FakeError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    switch (req.action) {
      case 'DescribeInstances':
        return this.describe(p, req);
      case 'RunInstances': {
        const xml = this.run(p, req);
        if (this.runDelay) await this.runDelay(req);
        return xml;
      }
      case 'CreateFleet': {
        const xml = this.fleet(p, req);
        if (this.runDelay) await this.runDelay(req);
        return xml;
      }
      case 'CreateLaunchTemplate': {
        const name = p.get('LaunchTemplateName') ?? '';
        if (this.templates.has(name)) throw new Ec2FakeError('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use: ${name}`);
        this.templates.add(name);
        return doc('CreateLaunchTemplateResponse', req, `<launchTemplate><launchTemplateId>lt-${this.templates.size.toString(16).padStart(17, '0')}</launchTemplateId><launchTemplateName>${esc(name)}</launchTemplateName><defaultVersionNumber>1</defaultVersionNumber><latestVersionNumber>1</latestVersionNumber></launchTemplate>`);
      }
      case 'CreateTags':
        return this.createTags(p, req);
      case 'TerminateInstances':
        return this.terminate(p, req);
      case 'DescribeSpotPriceHistory':
        return this.prices(p, req);
      default:
        throw new Ec2FakeError('InvalidAction', `The action ${req.action || '(none)'} is not valid for this web service.`);
    }
  }

  private describe(p: URLSearchParams, req: FakeRequest): string {
    let list = [...this.instances.values()].filter((i) => this.now - i.launchTime >= this.listLagMs);
    const ids = indexed(p, 'InstanceId');
    if (ids.length) {
      const unknown = ids.find((id) => !this.instances.has(id));
      if (unknown) throw new Ec2FakeError('InvalidInstanceID.NotFound', `The instance ID '${unknown}' does not exist`);
      list = list.filter((i) => ids.includes(i.id));
    }
    for (const f of filters(p)) {
      if (f.name.startsWith('tag:')) {
        const key = f.name.slice(4);
        list = list.filter((i) => i.tags[key] !== undefined && f.values.includes(i.tags[key]!));
      } else if (f.name === 'instance-state-name') list = list.filter((i) => f.values.includes(i.state));
      else if (f.name === 'instance-id') list = list.filter((i) => f.values.includes(i.id));
      else if (f.name === 'client-token') list = list.filter((i) => i.clientToken !== undefined && f.values.includes(i.clientToken));
      else throw new Ec2FakeError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    }
    const max = p.get('MaxResults');
    if (max !== null && (Number(max) < 5 || Number(max) > 1000)) throw new Ec2FakeError('InvalidParameterValue', `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
    const size = Math.min(this.pageSize, max === null ? Infinity : Number(max));
    const token = p.get('NextToken');
    const start = token ? Number(token.replace(/^page-/, '')) : 0;
    if (!Number.isInteger(start) || start < 0) throw new Ec2FakeError('InvalidParameterValue', `Invalid NextToken`);
    const page = list.slice(start, start + size);
    const next = start + size < list.length ? `page-${start + size}` : undefined;
    // Instances of one reservation stay together, as EC2 shows them.
    const byReservation = new Map<string, FakeInstance[]>();
    for (const i of page) byReservation.set(i.reservationId, [...(byReservation.get(i.reservationId) ?? []), i]);
    const reservations = [...byReservation.entries()].map(([rid, items]) => `<item><reservationId>${esc(rid)}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${items.map(instanceXml).join('')}</instancesSet></item>`);
    return doc(
      'DescribeInstancesResponse',
      req,
      `<reservationSet>${reservations.join('')}</reservationSet>${next ? `<nextToken>${next}</nextToken>` : ''}`,
    );
  }

  private run(p: URLSearchParams, req: FakeRequest): string {
    const token = p.get('ClientToken') ?? undefined;
    const signature = paramsSignature(p);
    if (token !== undefined) {
      if (token.length > 64) throw new Ec2FakeError('InvalidParameterValue', 'ClientToken is longer than 64 characters');
      const seen = this.tokens.get(token);
      if (seen) {
        if (seen.signature !== signature) throw new Ec2FakeError('IdempotentParameterMismatch', `The client token ${token} was used with other parameters`);
        const made = seen.ids.map((id) => this.instances.get(id)!);
        return runXml(req, seen.reservationId, made);
      }
    }
    const market = p.get('InstanceMarketOptions.MarketType') === 'spot' ? 'spot' : 'on-demand';
    const type = p.get('InstanceType') ?? 'c5.large';
    const code = this.capacity(market, type);
    if (code) throw new Ec2FakeError(code, `There is no ${market} capacity for ${type} (fake)`);
    const min = Number(p.get('MinCount') ?? 'NaN');
    const max = Number(p.get('MaxCount') ?? 'NaN');
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) throw new Ec2FakeError('InvalidParameterValue', `MinCount ${p.get('MinCount')} / MaxCount ${p.get('MaxCount')} are invalid`);
    const tags: Record<string, string> = {};
    for (const spec of nested(p, 'TagSpecification')) {
      if (spec.get('ResourceType') !== 'instance') continue;
      for (const t of nested(spec, 'Tag')) tags[t.get('Key') ?? ''] = t.get('Value') ?? '';
    }
    const subnet = p.get('SubnetId') ?? undefined;
    const reservationId = `r-${(this.seq + 1).toString(16).padStart(17, '0')}`;
    const made: FakeInstance[] = [];
    for (let k = 0; k < max; k += 1) {
      made.push(
        this.add({
          state: 'pending',
          tags: { ...tags },
          type,
          spot: market === 'spot',
          reservationId,
          imageId: p.get('ImageId') ?? 'ami-0template',
          ...(token !== undefined ? { clientToken: token } : {}),
          ...(subnet ? { subnetId: subnet } : {}),
        }),
      );
    }
    if (token !== undefined) this.tokens.set(token, { signature, reservationId, ids: made.map((i) => i.id) });
    return runXml(req, reservationId, made);
  }

  private fleet(p: URLSearchParams, req: FakeRequest): string {
    if (p.get('Type') !== 'instant') throw new Ec2FakeError('InvalidParameterValue', `this fake speaks CreateFleet of type instant only, not ${p.get('Type')}`);
    const token = p.get('ClientToken') ?? undefined;
    const signature = paramsSignature(p);
    if (token !== undefined) {
      const seen = this.fleetTokens.get(token);
      if (seen) {
        if (seen.signature !== signature) throw new Ec2FakeError('IdempotentParameterMismatch', `The client token ${token} was used with other parameters`);
        return seen.xml.replace(/<requestId>[^<]*<\/requestId>/, `<requestId>req-${req.seq}</requestId>`);
      }
    }
    const total = Number(p.get('TargetCapacitySpecification.TotalTargetCapacity') ?? 'NaN');
    if (!Number.isInteger(total) || total < 1) throw new Ec2FakeError('InvalidParameterValue', `TotalTargetCapacity ${p.get('TargetCapacitySpecification.TotalTargetCapacity')} is invalid`);
    const market = p.get('TargetCapacitySpecification.DefaultTargetCapacityType') === 'spot' ? 'spot' : 'on-demand';
    const configs = nested(p, 'LaunchTemplateConfigs');
    if (configs.length !== 1) throw new Ec2FakeError('InvalidParameterValue', 'this fake takes exactly one launch template config');
    const spec = configs[0]!;
    const template = spec.get('LaunchTemplateSpecification.LaunchTemplateName') ?? spec.get('LaunchTemplateSpecification.LaunchTemplateId');
    if (!template) throw new Ec2FakeError('MissingParameter', 'The request must contain the parameter LaunchTemplateSpecification');
    const overrides = nested(spec, 'Overrides').map((o) => ({ type: o.get('InstanceType') ?? undefined, subnet: o.get('SubnetId') ?? undefined }));
    const tags: Record<string, string> = {};
    for (const t of nested(p, 'TagSpecification')) {
      if (t.get('ResourceType') !== 'instance') continue;
      for (const tag of nested(t, 'Tag')) tags[tag.get('Key') ?? ''] = tag.get('Value') ?? '';
    }
    const fleetId = `fleet-${(this.seq + 1).toString(16).padStart(8, '0')}-fake`;
    const reservationId = `r-${(this.seq + 1).toString(16).padStart(17, '0')}`;
    let left = total;
    const groups: string[] = [];
    const errors: string[] = [];
    const ltXml = `<launchTemplateSpecification><launchTemplateName>${esc(template)}</launchTemplateName><version>1</version></launchTemplateSpecification>`;
    for (const o of overrides.length > 0 ? overrides : [{ type: undefined, subnet: undefined }]) {
      if (left === 0) break;
      const type = o.type ?? 'c5.large';
      const ov = `<overrides>${o.type ? `<instanceType>${esc(o.type)}</instanceType>` : ''}${o.subnet ? `<subnetId>${esc(o.subnet)}</subnetId>` : ''}</overrides>`;
      const code = this.capacity(market, type);
      if (code) {
        errors.push(`<item><launchTemplateAndOverrides>${ltXml}${ov}</launchTemplateAndOverrides><lifecycle>${market}</lifecycle><errorCode>${esc(code)}</errorCode><errorMessage>There is no ${market} capacity for ${esc(type)} (fake)</errorMessage></item>`);
        continue;
      }
      const made: FakeInstance[] = [];
      for (; left > 0; left -= 1) {
        made.push(
          this.add({
            state: 'pending',
            tags: { ...tags, 'aws:ec2:fleet-id': fleetId },
            type,
            spot: market === 'spot',
            reservationId,
            imageId: 'ami-0template',
            ...(token !== undefined ? { fleetToken: token } : {}),
            ...(o.subnet ? { subnetId: o.subnet } : {}),
          }),
        );
      }
      groups.push(`<item><launchTemplateAndOverrides>${ltXml}${ov}</launchTemplateAndOverrides><lifecycle>${market}</lifecycle><instanceIds>${made.map((i) => `<item>${esc(i.id)}</item>`).join('')}</instanceIds><instanceType>${esc(type)}</instanceType><platform/></item>`);
    }
    const xml = doc('CreateFleetResponse', req, `<fleetId>${fleetId}</fleetId><errorSet>${errors.join('')}</errorSet><fleetInstanceSet>${groups.join('')}</fleetInstanceSet>`);
    if (token !== undefined) this.fleetTokens.set(token, { signature, xml });
    return xml;
  }

  private createTags(p: URLSearchParams, req: FakeRequest): string {
    const ids = indexed(p, 'ResourceId');
    const tags = nested(p, 'Tag').map((t) => [t.get('Key') ?? '', t.get('Value') ?? ''] as const);
    for (const id of ids) if (!this.instances.has(id)) throw new Ec2FakeError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    for (const id of ids) {
      const i = this.instances.get(id)!;
      for (const [k, v] of tags) i.tags[k] = v;
    }
    return doc('CreateTagsResponse', req, '<return>true</return>');
  }

  private terminate(p: URLSearchParams, req: FakeRequest): string {
    const ids = indexed(p, 'InstanceId');
    for (const id of ids) if (!this.instances.has(id)) throw new Ec2FakeError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    const items: string[] = [];
    for (const id of ids) {
      const i = this.instances.get(id)!;
      this.terminated.push(id);
      this.onTerminate(i);
      const previous = i.state;
      if (i.state !== 'terminated') i.state = 'shutting-down';
      items.push(`<item><instanceId>${esc(id)}</instanceId><currentState>${stateXml(i.state)}</currentState><previousState>${stateXml(previous)}</previousState></item>`);
    }
    return doc('TerminateInstancesResponse', req, `<instancesSet>${items.join('')}</instancesSet>`);
  }

  private prices(p: URLSearchParams, req: FakeRequest): string {
    const asked = indexed(p, 'InstanceType');
    const types = asked.length ? asked : Object.keys(this.spotPrices);
    const at = new Date(this.now).toISOString();
    const items = types
      .filter((t) => this.spotPrices[t] !== undefined)
      .map(
        (t) =>
          `<item><instanceType>${esc(t)}</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>${this.spotPrices[t]!.toFixed(6)}</spotPrice><timestamp>${at}</timestamp><availabilityZone>${this.region}a</availabilityZone></item>`,
      );
    return doc('DescribeSpotPriceHistoryResponse', req, `<spotPriceHistorySet>${items.join('')}</spotPriceHistorySet><nextToken/>`);
  }

  private nextId(): string {
    this.seq += 1;
    return `i-${this.seq.toString(16).padStart(17, '0')}`;
  }

  private nextIp(): string {
    return `10.0.${Math.floor(this.seq / 250)}.${(this.seq % 250) + 1}`;
  }
}

/** The parameters of a request but its ClientToken: what EC2's idempotency compares. */
function paramsSignature(p: URLSearchParams): string {
  return createHash('sha256')
    .update(
      [...p.entries()]
        .filter(([k]) => k !== 'ClientToken')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join('&'),
    )
    .digest('hex');
}

function doc(root: string, req: FakeRequest, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${EC2_NAMESPACE}"><requestId>req-${req.seq}</requestId>${inner}</${root}>`;
}

function runXml(req: FakeRequest, reservationId: string, made: FakeInstance[]): string {
  return doc('RunInstancesResponse', req, `<reservationId>${esc(reservationId)}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>${made.map(instanceXml).join('')}</instancesSet>`);
}

function stateXml(state: FakeInstanceState): string {
  return `<code>${STATE_CODES[state]}</code><name>${state}</name>`;
}

function instanceXml(i: FakeInstance): string {
  const tags = Object.entries(i.tags)
    .map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`)
    .join('');
  return (
    `<item><instanceId>${esc(i.id)}</instanceId><imageId>${esc(i.imageId)}</imageId><instanceState>${stateXml(i.state)}</instanceState>` +
    `<privateDnsName>ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal</privateDnsName><dnsName/><amiLaunchIndex>0</amiLaunchIndex>` +
    `<instanceType>${esc(i.type)}</instanceType><launchTime>${new Date(i.launchTime).toISOString()}</launchTime>` +
    `<placement><availabilityZone>${esc(i.zone)}</availabilityZone><groupName/><tenancy>default</tenancy></placement>` +
    `<monitoring><state>disabled</state></monitoring>${i.subnetId ? `<subnetId>${esc(i.subnetId)}</subnetId>` : ''}` +
    `<privateIpAddress>${esc(i.privateIp)}</privateIpAddress>` +
    (i.clientToken !== undefined ? `<clientToken>${esc(i.clientToken)}</clientToken>` : '<clientToken/>') +
    (i.spot ? '<instanceLifecycle>spot</instanceLifecycle>' : '') +
    (tags ? `<tagSet>${tags}</tagSet>` : '') +
    `</item>`
  );
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `Prefix.1`, `Prefix.2`, ... in index order. */
function indexed(p: URLSearchParams, prefix: string): string[] {
  const out: Array<[number, string]> = [];
  for (const [k, v] of p.entries()) {
    const m = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`).exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** `Prefix.N.Field...` -> one URLSearchParams per N (keys without the `Prefix.N.`), in index order. */
function nested(p: URLSearchParams, prefix: string): URLSearchParams[] {
  const groups = new Map<number, URLSearchParams>();
  for (const [k, v] of p.entries()) {
    if (!k.startsWith(`${prefix}.`)) continue;
    const rest = k.slice(prefix.length + 1);
    const dot = rest.indexOf('.');
    if (dot < 0) continue;
    const n = Number(rest.slice(0, dot));
    if (!Number.isInteger(n)) continue;
    const g = groups.get(n) ?? new URLSearchParams();
    g.append(rest.slice(dot + 1), v);
    groups.set(n, g);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

function filters(p: URLSearchParams): Array<{ name: string; values: string[] }> {
  return nested(p, 'Filter').map((f) => ({ name: f.get('Name') ?? '', values: indexed(f, 'Value') }));
}
