/**
 * One message of a pool's interruption queue (backend.interruptionQueue), as EventBridge delivers
 * it to SQS: the event's JSON as the body. A pure reading, no I/O. The shapes are AWS's documented ones:
 *
 * - `EC2 Spot Instance Interruption Warning` (source aws.ec2): detail `instance-id`, `instance-action`
 *   (terminate, stop or hibernate); the instance is reclaimed two minutes after the event's `time`.
 * - `EC2 Instance Rebalance Recommendation` (aws.ec2): detail `instance-id`; an elevated risk of interruption.
 * - `EC2 Instance State-change Notification` (aws.ec2): detail `instance-id`, `state`.
 * - `AWS Health Event` (aws.health) with detail `service` EC2 and `eventTypeCategory` scheduledChange
 *   (a retirement, a scheduled stop or reboot): the instances in detail `affectedEntities[].entityValue`
 *   (and the event's `resources`), the change starting at detail `startTime`.
 */

export type InterruptionKind = 'spot-interruption' | 'rebalance' | 'scheduled-change' | 'state-change';

export interface InterruptionNotice {
  kind: InterruptionKind;
  instanceIds: string[];
  /** The event's `time` (ms since the epoch). */
  at: number;
  /** When AWS takes the instance (a spot warning: `time` + 2 minutes; a scheduled change: its startTime). */
  by?: number;
  /** A state change's new state; a spot warning's instance-action; a scheduled change's eventTypeCode. */
  detail: string;
  /** The EventBridge event id, for the log. */
  eventId?: string;
}

/** A notice; a readable event that asks nothing of the pool (`ignored`); or a body that cannot be read. */
export type ParsedMessage = { notice: InterruptionNotice } | { ignored: string } | { unreadable: string };

/** How long AWS waits after a spot interruption warning (its documented two minutes). */
export const SPOT_WARNING_MS = 2 * 60_000;

/** The states of a state-change notification that end, or stop, the instance. */
export const ENDING_STATES = new Set(['stopping', 'stopped', 'shutting-down', 'terminated']);

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** Reads one message body. Never throws. */
export function parseInterruptionMessage(body: string | undefined): ParsedMessage {
  if (body === undefined || body.trim() === '') return { unreadable: 'empty message body' };
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return { unreadable: `not JSON (${body.length} characters, starting ${JSON.stringify(body.slice(0, 40))})` };
  }
  if (!isObject(event)) return { unreadable: 'not a JSON object' };
  const type = event['detail-type'];
  const detail = event.detail;
  if (typeof type !== 'string') return { unreadable: 'no detail-type: not an EventBridge event' };
  if (!isObject(detail)) return { unreadable: `${type}: no detail object` };
  const at = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
  if (!Number.isFinite(at)) return { unreadable: `${type}: time ${JSON.stringify(event.time)} is not a date` };
  const eventId = typeof event.id === 'string' ? event.id : undefined;
  const base = { at, ...(eventId ? { eventId } : {}) };

  switch (type) {
    case 'EC2 Spot Instance Interruption Warning':
    case 'EC2 Instance Rebalance Recommendation':
    case 'EC2 Instance State-change Notification': {
      const id = detail['instance-id'];
      if (typeof id !== 'string' || !INSTANCE_ID.test(id)) return { unreadable: `${type}: detail instance-id ${JSON.stringify(id)} is not an instance id` };
      if (type === 'EC2 Instance Rebalance Recommendation') return { notice: { kind: 'rebalance', instanceIds: [id], detail: 'rebalance recommendation', ...base } };
      if (type === 'EC2 Spot Instance Interruption Warning') {
        const action = detail['instance-action'];
        if (typeof action !== 'string') return { unreadable: `${type}: no detail instance-action` };
        return { notice: { kind: 'spot-interruption', instanceIds: [id], detail: action, by: at + SPOT_WARNING_MS, ...base } };
      }
      const state = detail.state;
      if (typeof state !== 'string') return { unreadable: `${type}: no detail state` };
      if (!ENDING_STATES.has(state)) return { ignored: `${type}: ${id} is ${state}, nothing to do` };
      return { notice: { kind: 'state-change', instanceIds: [id], detail: state, ...base } };
    }
    case 'AWS Health Event': {
      if (detail.service !== 'EC2' || detail.eventTypeCategory !== 'scheduledChange') {
        return { ignored: `${type}: ${String(detail.service)} ${String(detail.eventTypeCategory)}, not an EC2 scheduled change` };
      }
      const entities = Array.isArray(detail.affectedEntities) ? detail.affectedEntities : [];
      const fromEntities = entities.map((e) => (isObject(e) ? e.entityValue : undefined));
      const resources = Array.isArray(event.resources) ? event.resources : [];
      const ids = [...new Set([...fromEntities, ...resources].filter((v): v is string => typeof v === 'string' && INSTANCE_ID.test(v)))];
      if (ids.length === 0) return { ignored: `${type}: EC2 scheduled change naming no instance` };
      const code = typeof detail.eventTypeCode === 'string' ? detail.eventTypeCode : 'scheduled change';
      const start = typeof detail.startTime === 'string' ? Date.parse(detail.startTime) : NaN;
      return { notice: { kind: 'scheduled-change', instanceIds: ids, detail: code, ...(Number.isFinite(start) ? { by: start } : {}), ...base } };
    }
    default:
      return { ignored: `${type}: not an interruption event` };
  }
}

/** The reason a warned host is drained (or recorded), in words: "spot interruption warning for i-… at …". */
export function noticeReason(notice: InterruptionNotice, instanceId: string): string {
  const when = iso(notice.at);
  switch (notice.kind) {
    case 'spot-interruption':
      return `spot interruption warning for ${instanceId} at ${when} (instance-action ${notice.detail}), reclaim at ${iso(notice.by!)}: drained, a replacement counted for`;
    case 'rebalance':
      return `rebalance recommendation for ${instanceId} at ${when} (elevated risk of a spot interruption): drained, a replacement counted for; not terminated while it holds jobs`;
    case 'scheduled-change':
      return `AWS Health scheduled change ${notice.detail} for ${instanceId} at ${when}${notice.by !== undefined ? `, starting ${iso(notice.by)}` : ''}: drained, a replacement counted for`;
    case 'state-change':
      return `EC2 Instance State-change Notification at ${when}: ${instanceId} is ${notice.detail}`;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
