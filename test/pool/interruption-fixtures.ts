import { readFileSync } from 'node:fs';

/**
 * The documented example events (AWS EC2 user guide: spot instance interruption notices, rebalance
 * recommendations, state-change events; AWS Health user guide: EventBridge schema), with our dates
 * and ids, as EventBridge puts them in an SQS message body. `change` edits one before it is written.
 */
export function fixture(name: 'spot-interruption-warning' | 'rebalance-recommendation' | 'state-change-terminated' | 'health-scheduled-change', change: (e: Record<string, unknown>) => void = () => undefined): string {
  const event = JSON.parse(readFileSync(new URL(`../fixtures/interruption-events/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
  change(event);
  return JSON.stringify(event);
}

/** The fixture with another instance id in every place it is named. */
export function fixtureFor(name: Parameters<typeof fixture>[0], instanceId: string, change: (e: Record<string, unknown>) => void = () => undefined): string {
  return fixture(name, (e) => {
    change(e);
  }).replaceAll('i-1234567890abcdef0', instanceId);
}

export const FIXTURE_ID = 'i-1234567890abcdef0';
