import type { CloudState, Host } from './host.js';
import type { InterruptionNotice } from './interruption-event.js';

/** Which warning drains a host when several name it: the most urgent first. */
const URGENCY: Record<InterruptionNotice['kind'], number> = { 'spot-interruption': 0, 'scheduled-change': 1, rebalance: 2, 'state-change': 3 };

/** The notices of one tick by instance: the warning that drains it, and the latest state change. */
export interface NoticesByHost {
  warnings: Map<string, InterruptionNotice>;
  stateChanges: Map<string, InterruptionNotice>;
}

export function noticesByHost(notices: readonly InterruptionNotice[]): NoticesByHost {
  const warnings = new Map<string, InterruptionNotice>();
  const stateChanges = new Map<string, InterruptionNotice>();
  for (const n of notices) {
    for (const id of n.instanceIds) {
      if (n.kind === 'state-change') {
        const seen = stateChanges.get(id);
        if (!seen || n.at > seen.at) stateChanges.set(id, n);
      } else {
        const seen = warnings.get(id);
        if (!seen || URGENCY[n.kind] < URGENCY[seen.kind]) warnings.set(id, n);
      }
    }
  }
  return { warnings, stateChanges };
}

/**
 * The host as the state-change notification shows it, when that is news: shutting-down and
 * terminated are final, so they always win over a listing that still says otherwise; stopping and
 * stopped only over a listing that says pending or running of an instance started before the event
 * (a later start resets its launch time: the listing is then newer than the event).
 */
export function withStateChange(host: Host, change: InterruptionNotice | undefined): Host {
  if (!change) return host;
  const state = change.detail as CloudState;
  const final = state === 'shutting-down' || state === 'terminated';
  const news = final
    ? host.cloud !== 'shutting-down' && host.cloud !== 'terminated'
    : (host.cloud === 'pending' || host.cloud === 'running') && change.at >= host.launchedAt;
  if (!news) return host;
  return { ...host, cloud: state, cloudSays: `the EC2 Instance State-change Notification at ${new Date(change.at).toISOString().replace('.000Z', 'Z')} says ${state}` };
}
