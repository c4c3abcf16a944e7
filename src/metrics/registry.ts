import { Gauge, Registry } from 'prom-client';

/** Every metric name starts with this. */
export const PREFIX = 'evalai_autoscaler_';

/**
 * Labels every series of a run carries: the command and its target (the run target key without the
 * command, as in the lock and status file names: `eval.ai-1a2b3c4d`). Several commands' files then
 * sit side by side in node_exporter's textfile directory without clashing.
 */
export interface RunLabels {
  command: string;
  target: string;
}

/**
 * One group of metrics added to a run's registry: the run's own, its challenges', and later a
 * pool's (demand, desired hosts, hosts by state). A part only adds gauges; it never reads the
 * registry back. A pool's would be, for instance:
 *
 *   const poolMetrics = (tick: PoolTick): MetricsPart => (r) => {
 *     gauge(r, 'pool_demand_jobs', 'Jobs queued or running in the pool.', ['pool']).set({ pool: tick.name }, tick.demand);
 *     const hosts = gauge(r, 'pool_hosts', 'Hosts of the pool by state.', ['pool', 'state']);
 *     for (const [state, n] of Object.entries(tick.hostsByState)) hosts.set({ pool: tick.name, state }, n);
 *   };
 *
 * published with publishParts(labels, [runMetrics(...), poolMetrics(tick)], destinations).
 */
export type MetricsPart = (registry: Registry) => void;

/** A fresh registry (never prom-client's global one) holding the given parts, under the run's labels. */
export function buildRegistry(labels: RunLabels, parts: MetricsPart[]): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ command: labels.command, target: labels.target });
  for (const part of parts) part(registry);
  return registry;
}

/** A gauge registered on `registry` (not the global one), named with the prefix. */
export function gauge<L extends string = never>(registry: Registry, name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return new Gauge<L>({ name: PREFIX + name, help, labelNames, registers: [registry] });
}
