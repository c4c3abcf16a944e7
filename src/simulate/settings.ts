import { HYBRID_DEFAULTS } from '../commands/scale-workers/keep-alive.js';
import { headroomRule, HEADROOMS, type Headroom } from '../pool/policy.js';
import { ConfigError } from '../runtime/errors.js';
import { parseDuration } from '../runtime/duration.js';
import type { ForecastStat } from './forecast.js';

/**
 * The knobs a comparison or a sweep turns. A pool: the headroom rule, the scale-down delay, the min
 * uptime, the tick interval and jobs per host. Workers (scale-workers): the scale-down delay, the
 * min uptime and the tick interval (cron's).
 */
export type Knob = 'headroom' | 'scale-down-delay' | 'min-uptime' | 'interval' | 'jobs-per-host' | 'anticipate' | 'keep-alive';
export type Kind = 'pool' | 'workers';

export const KNOBS: Record<Kind, readonly Knob[]> = {
  pool: ['headroom', 'scale-down-delay', 'min-uptime', 'interval', 'jobs-per-host', 'anticipate'],
  workers: ['scale-down-delay', 'min-uptime', 'interval', 'anticipate', 'keep-alive'],
};

/** One setting of every knob (jobsPerHost and headroom are the pool's only). All durations in ms. */
export interface Setting {
  headroom?: Headroom;
  scaleDownDelayMs: number;
  minUptimeMs: number;
  intervalMs: number;
  jobsPerHost?: number;
  /** The anticipatory policy (pools): the days of history its forecast looks back; 0 or absent: off. */
  anticipateDays?: number;
  /** How the days combine (`max` when absent) and whether the rise is forecast (docs/simulate.md, "Anticipation"). */
  anticipateStat?: ForecastStat;
  anticipateRise?: boolean;
  /**
   * scale-workers: the hybrid histogram keep-alive / pre-warm from each challenge's own idle times
   * (src/commands/scale-workers/keep-alive.ts) with these percentiles and CV bound; absent: the
   * fixed scale-down delay (`fixed`).
   */
  keepAlive?: { headPct: number; tailPct: number; minCv: number };
}

const MINUTE = 60_000;

/** "0", "5m", "90m", "30s": short and exact, as a flag or a pool file takes it. */
export function shortDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`;
  return `${ms / 1000}s`;
}

function valueOf(s: Setting, knob: Knob): string {
  switch (knob) {
    case 'headroom':
      return String(s.headroom ?? '2sqrt');
    case 'scale-down-delay':
      return shortDuration(s.scaleDownDelayMs);
    case 'min-uptime':
      return shortDuration(s.minUptimeMs);
    case 'interval':
      return shortDuration(s.intervalMs);
    case 'jobs-per-host':
      return String(s.jobsPerHost ?? 1);
    case 'anticipate':
      return anticipateText(s);
    case 'keep-alive':
      return s.keepAlive ? `hybrid-p${s.keepAlive.headPct}-p${s.keepAlive.tailPct}-cv${s.keepAlive.minCv}` : 'fixed';
  }
}

/** `off`, or `Nd` with the statistic when not max and `-rise` when the rise is forecast: `7d-p50-rise`. */
function anticipateText(s: Setting): string {
  if (!s.anticipateDays) return 'off';
  return `${s.anticipateDays}d${s.anticipateStat && s.anticipateStat !== 'max' ? `-${s.anticipateStat}` : ''}${s.anticipateRise ? '-rise' : ''}`;
}

/** The anticipation a setting asks for (undefined: off). */
export function anticipationOf(s: Setting): { days: number; windowMs: number; stat?: ForecastStat; rise?: boolean } | undefined {
  if (!s.anticipateDays) return undefined;
  return { days: s.anticipateDays, windowMs: 0, ...(s.anticipateStat ? { stat: s.anticipateStat } : {}), ...(s.anticipateRise ? { rise: true } : {}) };
}

/** Every knob of the kind as `knob=value`, space-separated: what each comparison and sweep row prints. */
export function describeSetting(s: Setting, kind: Kind): string {
  return KNOBS[kind].map((k) => `${k}=${valueOf(s, k)}`).join(' ');
}

/** The knobs whose values differ between two settings. */
export function changedKnobs(a: Setting, b: Setting, kind: Kind): Knob[] {
  return KNOBS[kind].filter((k) => valueOf(a, k) !== valueOf(b, k));
}

/** The headroom as its rule reads ("n + √n"). */
export const headroomText = (s: Setting): string => headroomRule(s.headroom);

/** Sets one knob from its text (`5m`, `sqrt`, `2`); a bad value is a ConfigError naming `where`. */
export function withKnob(s: Setting, knob: string, value: string, kind: Kind, where: string): Setting {
  const bad = (expected: string): never => {
    throw new ConfigError(`${where}: ${knob}=${value}: expected ${expected}`);
  };
  if (!(KNOBS[kind] as readonly string[]).includes(knob)) bad(`one of the knobs ${KNOBS[kind].join(', ')}`);
  const v = value.trim();
  const duration = (): number => {
    if (v === '0') return 0;
    const ms = parseDuration(v);
    if (/^\d+(\.\d+)?$/.test(v) || ms === null || ms < 0) return bad('a duration with a unit (5m, 1h) or 0');
    return ms;
  };
  switch (knob as Knob) {
    case 'headroom':
      if ((HEADROOMS as readonly string[]).includes(v)) return { ...s, headroom: v as Headroom };
      if (/^\d+$/.test(v)) return { ...s, headroom: Number(v) };
      return bad('2sqrt, sqrt, none or a whole number');
    case 'scale-down-delay':
      return { ...s, scaleDownDelayMs: duration() };
    case 'min-uptime':
      return { ...s, minUptimeMs: duration() };
    case 'interval': {
      const ms = duration();
      if (ms <= 0 || ms % MINUTE !== 0 || ms > 86_400_000) bad('whole minutes, at most 1d (1m, 5m)');
      return { ...s, intervalMs: ms };
    }
    case 'jobs-per-host':
      if (!/^\d+$/.test(v) || Number(v) < 1) bad('a whole number, 1 or more');
      return { ...s, jobsPerHost: Number(v) };
    case 'anticipate': {
      const { anticipateStat: _s, anticipateRise: _r, ...rest } = s;
      if (v === 'off' || v === '0') return { ...rest, anticipateDays: 0 };
      const m = /^(\d+)d(?:-(max|mean|p(?:[1-9]\d?|100)))?(-rise)?$/.exec(v);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 28) return bad('off or Nd[-max|-mean|-pNN][-rise]: N days of history, 1 to 28 (7d, 7d-p50-rise)');
      return { ...rest, anticipateDays: Number(m[1]), ...(m[2] && m[2] !== 'max' ? { anticipateStat: m[2] as ForecastStat } : {}), ...(m[3] ? { anticipateRise: true } : {}) };
    }
    case 'keep-alive': {
      const { keepAlive: _k, ...rest } = s;
      if (v === 'fixed') return rest;
      const m = /^hybrid(?:-p(\d{1,3})-p(\d{1,3}))?(?:-cv(\d+(?:\.\d+)?))?$/.exec(v);
      const head = m?.[1] !== undefined ? Number(m[1]) : HYBRID_DEFAULTS.headPct;
      const tail = m?.[2] !== undefined ? Number(m[2]) : HYBRID_DEFAULTS.tailPct;
      if (!m || head > 100 || tail < 1 || tail > 100 || head > tail) return bad('fixed or hybrid[-pHEAD-pTAIL][-cvX]: percentiles of the idle times, 0 <= HEAD <= TAIL <= 100, TAIL at least 1 (hybrid-p5-p99, hybrid-p0-p50-cv0)');
      return { ...rest, keepAlive: { headPct: head, tailPct: tail, minCv: m[3] !== undefined ? Number(m[3]) : HYBRID_DEFAULTS.minCv } };
    }
  }
}

/** `knob=value,knob=value`: a combination the user asked for (--also), applied to `base`. */
export function parseCombination(text: string, base: Setting, kind: Kind, where: string): Setting {
  let s = base;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new ConfigError(`${where}: "${part}": expected knob=value (e.g. headroom=none,scale-down-delay=0)`);
    s = withKnob(s, part.slice(0, eq).trim(), part.slice(eq + 1), kind, where);
  }
  return s;
}

/** One comparison row's setting and what makes it differ from the configured one. */
export interface Variant {
  name: string;
  setting: Setting;
  changed: Knob[];
}

/**
 * The one-knob comparisons: for each knob of the kind (jobs per host only when asked: it changes
 * what a host is), the configured setting with that knob alone turned to another value:
 * - headroom: each of "2sqrt", "sqrt", "none" that is not the configured one;
 * - scale-down delay and min uptime: 0 when configured above 0, else 10m;
 * - interval: 1m, or 5m when the configured interval is 1m;
 * - anticipate: 14d-p25 when off (the default), off when on.
 * The name is `knob=value`.
 */
export function oneKnobVariants(configured: Setting, kind: Kind): Variant[] {
  const out: Variant[] = [];
  const add = (knob: Knob, value: string): void => {
    const setting = withKnob(configured, knob, value, kind, 'variant');
    out.push({ name: `${knob}=${value}`, setting, changed: [knob] });
  };
  if (kind === 'pool') for (const h of HEADROOMS) if (h !== String(configured.headroom ?? '2sqrt')) add('headroom', h);
  add('scale-down-delay', configured.scaleDownDelayMs > 0 ? '0' : '10m');
  add('min-uptime', configured.minUptimeMs > 0 ? '0' : '10m');
  add('interval', configured.intervalMs === MINUTE ? '5m' : '1m');
  add('anticipate', configured.anticipateDays ? 'off' : '14d-p25');
  return out;
}
