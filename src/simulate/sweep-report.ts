import { cheapestMeeting, paretoFront, type Point, type Target } from './pareto.js';
import { describeSetting, shortDuration, type Kind, type Knob, type Setting } from './settings.js';
import type { SweepRow } from './sweep.js';

/** A finished sweep: every row, the front, the target and the recommendation. */
export interface SweepResult {
  kind: Kind;
  pool?: string;
  submissions: number;
  bootMs: number;
  threads: number;
  elapsedMs: number;
  values: Partial<Record<Knob, string[]>>;
  rows: SweepRow[];
  /** Row indices on the Pareto front, cheapest first. Row 0 is the configured setting. */
  front: number[];
  target: Target & { from: 'flag' | 'configured' };
  recommended?: number;
}

export function pointOf(r: SweepRow): Point {
  return { hours: r.hours, coldStarts: r.figures.coldStarts, p50: r.figures.wait.p50, p95: r.figures.wait.p95 };
}

/** The front and the cheapest setting meeting the target (absent: the configured setting's p95, i.e. "no worse than today"). */
export function analyse(rows: SweepRow[], target?: Target): { front: number[]; target: SweepResult['target']; recommended?: number } {
  const points = rows.map(pointOf);
  const t: SweepResult['target'] = target ? { ...target, from: 'flag' } : { p95: points[0]!.p95, from: 'configured' };
  const recommended = cheapestMeeting(points, t);
  return { front: paretoFront(points), target: t, ...(recommended !== undefined ? { recommended } : {}) };
}

const min = (s: number) => `${(s / 60).toFixed(1)} min`;
const pct = (x: number, of: number) => (of > 0 ? `${x <= of ? '-' : '+'}${Math.abs(Math.round((1 - x / of) * 100))} %` : 'n/a');
const durationText = (ms: number) => (ms === 0 ? '0s' : shortDuration(ms));

/** What to paste: a pool-file fragment (pools) or the scale-workers flags and the crontab line (workers). */
export function pasteable(kind: Kind, s: Setting, configured?: Setting): { text: string; json: unknown } {
  let out = pasteableReactive(kind, s, configured);
  const knob = (name: string) => describeSetting(s, kind).split(' ').find((x) => x.startsWith(`${name}=`))!;
  // Neither scale-pool nor scale-workers runs the anticipatory policy or the hybrid keep-alive: say so rather than drop them.
  if (s.anticipateDays) {
    const a = knob('anticipate');
    out = {
      json: { ...(out.json as Record<string, unknown>), anticipate: a.slice('anticipate='.length), anticipateRunsIn: 'simulate only' },
      text: `${out.text}\n${a} is simulate's only (docs/simulate.md, "Anticipation"): no command runs it yet; the lines above are the rest of the setting`,
    };
  }
  if (s.keepAlive) {
    const k = knob('keep-alive');
    out = {
      json: { ...(out.json as Record<string, unknown>), keepAlive: k.slice('keep-alive='.length), keepAliveRunsIn: 'simulate only' },
      text: `${out.text}\n${k} is simulate's only (docs/simulate.md, "Keep-alive from the challenge's idle times"): scale-workers has no flag for it; the lines above are the rest of the setting`,
    };
  }
  return out;
}

function pasteableReactive(kind: Kind, s: Setting, configured?: Setting): { text: string; json: unknown } {
  const every = s.intervalMs / 60_000;
  const cron = 60 % every === 0 ? `${every === 1 ? '*' : `*/${every}`} * * * *` : `every ${every} min (not a divisor of an hour: use a systemd timer)`;
  if (kind === 'pool') {
    const policy: Record<string, unknown> = { headroom: s.headroom ?? '2sqrt', scaleDownDelay: durationText(s.scaleDownDelayMs), minUptime: durationText(s.minUptimeMs) };
    if (s.jobsPerHost !== undefined && s.jobsPerHost !== configured?.jobsPerHost) policy.jobsPerHost = s.jobsPerHost;
    return {
      json: { policy, runEvery: shortDuration(s.intervalMs) },
      text: `pool-file fragment (merge into the pool's "policy"):\n${JSON.stringify({ policy })}\nand run \`scale-pool run\` every ${every} min (crontab: ${cron}); the interval is the timer's, not a pool-file field`,
    };
  }
  const flags = `--scale-down-delay ${s.scaleDownDelayMs ? shortDuration(s.scaleDownDelayMs) : '0'} --min-uptime ${s.minUptimeMs ? shortDuration(s.minUptimeMs) : '0'}`;
  return {
    json: { flags, cron },
    text: `scale-workers flags: ${flags}\ncrontab: ${cron} (${1440 / every} ticks a day: docs/simulate.md, "Recommending an interval", gives the requests each uses)`,
  };
}

/** The human report: the configured setting, the front (every row with all its knobs), the recommendation. */
export function formatSweep(r: SweepResult): string {
  const unit = r.kind === 'pool' ? 'host-h' : 'worker-h';
  const conf = r.rows[0]!;
  const head = [unit, 'vs configured', 'cold starts', 'wait p50', 'wait p95', 'settings'];
  const cells = (row: SweepRow, i: number) => [row.hours.toFixed(1), i === 0 ? 'configured' : pct(row.hours, conf.hours), String(row.figures.coldStarts), min(row.figures.wait.p50), min(row.figures.wait.p95), describeSetting(row.setting, r.kind) + (i === r.recommended ? '  <- recommended' : '')];
  const shown = r.front.includes(0) ? r.front : [0, ...r.front];
  const table = shown.map((i) => cells(r.rows[i]!, i));
  const widths = head.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((c, k) => (k === row.length - 1 ? c : c.padStart(widths[k]!))).join('  ').trimEnd();
  const grid = Object.entries(r.values).map(([k, v]) => `${k} ${v.join(',')}`).join(' x ');
  const targetText = `wait p95 <= ${min(r.target.p95)}${r.target.p50 !== undefined ? ` and wait p50 <= ${min(r.target.p50)}` : ''}${r.target.from === 'configured' ? " (the configured setting's p95: no worse than today)" : ''}`;
  const out = [
    `sweep${r.pool ? ` of pool ${r.pool}` : ' of scale-workers'}: ${r.rows.length} settings (${grid}), ${r.submissions} submissions, boot ${r.bootMs / 60_000} min; ${r.threads} thread(s), ${(r.elapsedMs / 1000).toFixed(1)} s`,
    '',
    `Pareto front of cost against wait p50, wait p95 and cold starts: ${r.front.length} of ${r.rows.length} settings${r.front.includes(0) ? '' : ' (the configured setting, first, is not on it)'}`,
    line(head),
    ...table.map(line),
    '',
  ];
  if (r.recommended === undefined) {
    out.push(`no setting of the grid meets the target (${targetText})`, '');
  } else {
    const rec = r.rows[r.recommended]!;
    out.push(
      `recommended: the cheapest setting with ${targetText}:`,
      `  ${describeSetting(rec.setting, r.kind)}`,
      `  ${rec.hours.toFixed(1)} ${unit} (${pct(rec.hours, conf.hours)} against the configured ${conf.hours.toFixed(1)}), wait p50 ${min(rec.figures.wait.p50)}, p95 ${min(rec.figures.wait.p95)}, ${rec.figures.coldStarts} cold starts`,
      pasteable(r.kind, rec.setting, conf.setting).text,
      '',
    );
  }
  return out.join('\n');
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

function rowJson(r: SweepRow, kind: Kind) {
  return { settings: describeSetting(r.setting, kind), hours: round(r.hours, 4), coldStarts: r.figures.coldStarts, waitS: { p50: round(r.figures.wait.p50, 3), p95: round(r.figures.wait.p95, 3), max: round(r.figures.wait.max, 3), mean: round(r.figures.wait.mean, 3) } };
}

/** The JSON report: every row, the front's indices, the target and the recommendation with what to paste. */
export function sweepJson(r: SweepResult): unknown {
  return {
    kind: r.kind,
    ...(r.pool ? { pool: r.pool } : {}),
    unit: r.kind === 'pool' ? 'host-hours' : 'worker-hours',
    submissions: r.submissions,
    bootS: r.bootMs / 1000,
    threads: r.threads,
    grid: r.values,
    configured: rowJson(r.rows[0]!, r.kind),
    target: { waitP95S: r.target.p95, ...(r.target.p50 !== undefined ? { waitP50S: r.target.p50 } : {}), from: r.target.from },
    recommended: r.recommended === undefined ? null : { ...rowJson(r.rows[r.recommended]!, r.kind), paste: pasteable(r.kind, r.rows[r.recommended]!.setting, r.rows[0]!.setting).json },
    front: r.front,
    rows: r.rows.map((x) => rowJson(x, r.kind)),
  };
}
