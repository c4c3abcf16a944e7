import type { SentCall } from '../../aws/mutation-guard.js';
import type { PoolRunReport, RunPoolsReport } from '../../pool/run-report.js';
import type { Demand } from '../../pool/demand/demand.js';
import type { InterruptionSummary } from '../../pool/interruption-disposal.js';
import { describeCounts, stateCounts, type HostStatusRow } from '../../pool/status.js';
import type { PausedReport, TickReport } from '../../pool/tick.js';
import { formatDuration } from '../../runtime/duration.js';
import { counted } from '../../runtime/plural.js';
import { cleanText } from '../../runtime/sanitize.js';
import type { PulumiValues } from '../../pool/pulumi-outputs.js';

export type { PoolRunReport, RunPoolsReport } from '../../pool/run-report.js';

/** "CreateTags i-1, i-2": one call, as the summary lists it. */
export function describeCall(c: SentCall): string {
  return `${c.action}${c.ids.length ? ` ${c.ids.join(', ')}` : ''}`;
}

export function poolSummary(r: TickReport): PoolRunReport {
  const { hosts, state: _state, ...rest } = r;
  const counts = Object.fromEntries(Object.entries(stateCounts(hosts)).filter(([, n]) => n > 0));
  // A configuration error found while observing (a SLURM backend.user that never sees its own jobs) is not an unreachable cloud: exit 1, not 3.
  return { ...rest, hosts: counts, unavailable: r.errors.some((e) => e.startsWith('observe:') && !e.startsWith('observe: configuration error:')) };
}

/** "interruption queue pool-interruptions: 3 received: 1 handled, 1 for other instances, 1 unreadable (left in the queue); 2 deleted". */
export function describeInterruptions(q: InterruptionSummary): string {
  const parts = [`${q.handled.length} handled`];
  if (q.foreign) parts.push(`${q.foreign} for other instances`);
  if (q.ignored) parts.push(`${q.ignored} with nothing to do`);
  if (q.unreadable.length) parts.push(`${q.unreadable.length} unreadable (left in the queue)`);
  if (q.kept.length) parts.push(`${q.kept.length} left for the next tick`);
  return `interruption ${q.queue}: ${q.received} received: ${parts.join(', ')}; ${q.deleted} deleted`;
}

export function describeDemand(d: Demand | null): string {
  if (d === null) return 'demand not read';
  if (!d.known) return `demand unknown (${d.source}: ${d.reason})`;
  return `demand ${d.n} (${d.source}: ${d.queued} queued, ${d.inFlight} in flight)`;
}

const clean = (s: string): string => cleanText(s, 300);
/** Errors get the log's longer cap: their fix (the field to set) comes last, after a PATH or an endpoint. */
const cleanError = (s: string): string => cleanText(s);

/** The human summary of `run`: per pool, demand, desired and why, what was done, hosts by state. */
export function formatRunHuman(report: RunPoolsReport, verbose: boolean): string {
  // The time first: a daemon's (or cron's appended) log is a run of these summaries.
  const lines: string[] = [`scale-pool run ${report.startedAt.replace(/\.\d+Z$/, 'Z')}`];
  if (report.dryRun) lines.push('dry run: nothing was changed; "planned" is what a real run would do');
  for (const p of report.pools) {
    lines.push(`pool ${p.pool}: ${clean(describeDemand(p.demand))}`);
    if (p.paused) lines.push(`  ${clean(pausedLine(p.paused, Date.parse(report.startedAt)))}`);
    lines.push(`  desired: ${p.desiredHosts === null ? 'not decided' : counted(p.desiredHosts, 'host')}: ${clean(p.why)}`);
    const drains = p.moves.filter((m) => m.to === 'draining');
    const terms = p.moves.filter((m) => m.to === 'terminating');
    const verb = p.dryRun ? 'to ' : '';
    lines.push(
      `  ${verb}launch ${p.dryRun ? p.launches.wanted - (p.launches.refused ?? 0) : p.launches.launched.length}` +
        (p.launches.refused ? ` (${p.launches.refused} refused)` : '') +
        `, ${verb}drain ${drains.filter((m) => m.status !== 'refused' && m.status !== 'failed' && m.status !== 'held').length}, ${verb}terminate ${p.dryRun ? terms.filter((m) => m.status !== 'held').length : p.terminated.length}` +
        `; hosts before: ${describeCounts(p.hosts as never)}`,
    );
    if (p.launches.wanted > 0) lines.push(`  launch: ${clean(p.launches.reason)}${p.launches.error ? ` (${cleanError(p.launches.error)})` : ''}`);
    for (const m of p.moves) {
      // Without -v, the moves a reader must see: drains, terminations, recaptures, and hosts lost to unhealthy.
      if (!verbose && m.status === 'done' && m.to !== 'draining' && m.to !== 'terminating' && m.to !== 'unhealthy' && m.from !== 'draining') continue;
      lines.push(`  ${m.hostId} ${m.from} -> ${m.to} [${m.status}]: ${clean(m.reason)}${m.error ? ` (${cleanError(m.error)})` : ''}`);
    }
    if (p.interruptions && p.interruptions.received > 0) lines.push(`  ${clean(describeInterruptions(p.interruptions))}`);
    for (const w of p.warnings ?? []) lines.push(`  warning: ${cleanError(w)}`);
    for (const e of p.errors) lines.push(`  error: ${cleanError(e)}`);
  }
  for (const name of report.notStarted ?? []) lines.push(`pool ${name}: not started (deadline or signal)`);
  if (!report.dryRun) {
    if (report.sent.length) lines.push(`sent to AWS: ${report.sent.map(describeCall).join('; ')}`);
    if (report.notSent?.length) lines.push(`not sent (${report.notSent[0]!.signal} came first): ${report.notSent.map(describeCall).join('; ')}`);
  }
  for (const w of report.warnings ?? []) lines.push(`warning: ${cleanError(w)}`);
  for (const e of report.errors.filter((e) => !e.startsWith('pool '))) lines.push(cleanError(e));
  lines.push(`exit ${report.exitCode}`);
  return `${lines.join('\n')}\n`;
}

export interface PoolStatus {
  pool: string;
  /** A shape of a pool split by shape, with the instance types it launches. */
  shape?: { pool: string; name: string; instanceTypes: string[] };
  /** The fields read from a Pulumi stack (`fromPulumi`). */
  fromPulumi?: PulumiValues;
  /** Present when the pool is paused (or its pause cannot be read). */
  paused?: PausedReport;
  demand: Demand | null;
  desiredHosts: number | null;
  why: string;
  /** What the next tick would do, as planned moves and launches. */
  next: string[];
  counts: Record<string, number>;
  hosts: HostStatusRow[];
  errors: string[];
}

/** "PAUSED since 2026-12-07T12:03:00Z (for 1h 2m) by alice (upgrade): nothing is launched, drained or terminated until `scale-pool resume`". */
export function pausedLine(p: PausedReport, now: number): string {
  if (p.since === null) return `PAUSED: ${p.held.replace(/^held: /, '')}`;
  const since = Date.parse(p.since);
  return `PAUSED since ${p.since.replace(/\.\d+Z$/, 'Z')} (for ${formatDuration(Math.max(0, now - since))}) by ${p.by ?? 'unknown'}${p.reason ? ` (${p.reason})` : ''}: nothing is launched, drained or terminated until \`scale-pool resume\``;
}

export function formatStatusHuman(pools: readonly PoolStatus[], warnings: readonly string[] = [], now: number = Date.now()): string {
  const lines: string[] = warnings.map((w) => `warning: ${cleanError(w)}`);
  for (const p of pools) {
    lines.push(`pool ${p.pool}: ${clean(describeDemand(p.demand))}`);
    if (p.paused) lines.push(`  ${clean(pausedLine(p.paused, now))}`);
    if (p.shape) lines.push(`  shape ${p.shape.name} of pool ${p.shape.pool}: launches ${p.shape.instanceTypes.join(', ')}`);
    // A stack's values are outside text: cleaned like an error line (control characters, length).
    if (p.fromPulumi) lines.push(`  ${cleanError(`from pulumi stack ${p.fromPulumi.stack}: ${p.fromPulumi.values.map((v) => `${v.field} = ${Array.isArray(v.value) ? v.value.join(',') : v.value} (output ${v.output})`).join('; ')}`)}`);
    lines.push(`  desired: ${p.desiredHosts === null ? 'not decided' : counted(p.desiredHosts, 'host')}: ${clean(p.why)}`);
    lines.push(`  hosts: ${describeCounts(p.counts as never)}`);
    if (p.hosts.length > 0) {
      const jobs = (h: HostStatusRow): string => (h.jobs === null ? '-' : String(h.jobs));
      // A SLURM pool's hosts are jobs: their scheduler's columns, not EC2's.
      const rows = p.hosts.some((h) => h.slurm)
        ? [['JOB', 'STATE', 'SLURM', 'PARTITION', 'NODE', 'TIME LEFT', 'TYPE', 'IN STATE', 'JOBS'], ...p.hosts.map((h) => [h.id, h.state, h.slurm?.state ?? h.cloud, h.slurm?.partition ?? '-', h.slurm?.node ?? '-', h.slurm?.timeLeft ?? '-', h.type, h.inState, jobs(h)])]
        : [['HOST', 'STATE', 'EC2', 'TYPE', 'LIFECYCLE', 'ZONE', 'COST', 'IN STATE', 'JOBS'], ...p.hosts.map((h) => [h.id, h.state, h.cloud, h.type, h.lifecycle, h.zone, h.usdPerHour === null ? '-' : `$${h.usdPerHour.toFixed(4)}/h`, h.inState, jobs(h)])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) lines.push(`  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}`);
    }
    for (const n of p.next) lines.push(`  next tick: ${clean(n)}`);
    for (const e of p.errors) lines.push(`  error: ${cleanError(e)}`);
  }
  return `${lines.join('\n')}\n`;
}
