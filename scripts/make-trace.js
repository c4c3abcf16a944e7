// Synthetic submission traces for `evalai-autoscaler simulate`, reproducible from a fixed seed.
//   node scripts/make-trace.js > examples/traces/month.csv       (the shipped example)
// generateTrace() is also what `npm run bench` simulates (a year of 100 challenges).
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../dist/sandbox/prng.js';

/** The sandbox's seeded PRNG (mulberry32), so a trace is the same on every machine. */
export const rng = mulberry32;

function poisson(random, lambda) {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > l) {
    k++;
    p *= random();
  }
  return k;
}

function normal(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Relative submission rate by hour of day (UTC): quiet at night, a peak in the afternoon; weekends lower. */
function diurnal(ms) {
  const d = new Date(ms);
  const h = d.getUTCHours() + d.getUTCMinutes() / 60;
  const day = 0.15 + 1.7 * Math.max(0, Math.sin((Math.PI * (h - 6)) / 16)) ** 2;
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6 ? 0.6 : 1;
  return day * weekend;
}

/**
 * The rate (submissions per minute) of challenge `c` in the minute starting at `t` (ms, on a minute):
 * perDay/1440 · diurnal · surge, 0 from its deadline on. generateTrace draws from it; it is exported
 * for scripts/workers-bound.js, which asks what a policy that knew it could do.
 */
export function ratePerMinute(c, t) {
  if (c.deadline !== undefined && t >= c.deadline) return 0;
  let surge = 1;
  if (c.deadline !== undefined) {
    const left = (c.deadline - t) / 3_600_000;
    if (left < 72) surge = 1 + 9 * ((72 - left) / 72) ** 3;
  }
  return (c.perDay / 1440) * diurnal(t) * surge;
}

/**
 * challenges: [{ id, perDay, medianMin, deadline? (ms: ends then, surging the 3 days before) }].
 * Arrivals: a Poisson count per minute at rate perDay/1440 · diurnal · surge; durations lognormal
 * around medianMin (sigma 0.5), at least 20 s.
 */
export function generateTrace({ seed, startMs, days, challenges }) {
  const random = rng(seed);
  const out = [];
  const minutes = days * 1440;
  for (let m = 0; m < minutes; m++) {
    const t = startMs + m * 60_000;
    for (const c of challenges) {
      if (c.deadline !== undefined && t >= c.deadline) continue;
      const k = poisson(random, ratePerMinute(c, t));
      for (let i = 0; i < k; i++) {
        const arrivalMs = t + Math.floor(random() * 60) * 1000;
        const durationMs = Math.max(20_000, Math.round(c.medianMin * 60_000 * Math.exp(0.5 * normal(random)) / 1000) * 1000);
        out.push({ challenge: c.id, arrivalMs, durationMs });
      }
    }
  }
  out.sort((a, b) => a.arrivalMs - b.arrivalMs || a.challenge - b.challenge);
  return out;
}

/** The shipped example: October 2026, six challenges, one (12) with a deadline on the 24th and its surge. */
export function monthSpec() {
  return {
    seed: 20261001,
    startMs: Date.UTC(2026, 9, 1),
    days: 31,
    challenges: [
      { id: 11, perDay: 60, medianMin: 6 },
      { id: 12, perDay: 25, medianMin: 10, deadline: Date.UTC(2026, 9, 24, 23, 59) },
      { id: 13, perDay: 30, medianMin: 4 },
      { id: 14, perDay: 12, medianMin: 20 },
      { id: 15, perDay: 8, medianMin: 8 },
      { id: 16, perDay: 4, medianMin: 30 },
    ],
  };
}

export function monthTrace() {
  return generateTrace(monthSpec());
}

/**
 * A held-out month for checking what was tuned on monthTrace: November 2026 (30 days), the same six
 * challenges, challenge 12's deadline on 20 November at 23:59; only the seed differs (docs/simulate.md
 * uses 7, 99 and 5).
 */
export function heldOutSpec(seed) {
  return {
    seed,
    startMs: Date.UTC(2026, 10, 1),
    days: 30,
    challenges: [
      { id: 11, perDay: 60, medianMin: 6 },
      { id: 12, perDay: 25, medianMin: 10, deadline: Date.UTC(2026, 10, 20, 23, 59) },
      { id: 13, perDay: 30, medianMin: 4 },
      { id: 14, perDay: 12, medianMin: 20 },
      { id: 15, perDay: 8, medianMin: 8 },
      { id: 16, perDay: 4, medianMin: 30 },
    ],
  };
}

export function heldOutTrace(seed) {
  return generateTrace(heldOutSpec(seed));
}

/** A year of `n` challenges, about 27 submissions a day each on average over the diurnal cycle (a million for 100), for the bench. */
export function yearTrace(n = 100, seed = 2026) {
  const random = rng(seed);
  const challenges = Array.from({ length: n }, (_, i) => ({ id: i + 1, perDay: 8 + 72 * random(), medianMin: 2 + 18 * random() }));
  return generateTrace({ seed, startMs: Date.UTC(2026, 0, 1), days: 365, challenges });
}

/** About 100,000 submissions: 37 days of 100 challenges shaped as yearTrace's (seed 2027), for timing `simulate --sweep`. */
export function sweepBenchTrace(seed = 2027) {
  const random = rng(seed);
  const challenges = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, perDay: 8 + 72 * random(), medianMin: 2 + 18 * random() }));
  return generateTrace({ seed, startMs: Date.UTC(2026, 0, 1), days: 37, challenges });
}

export function toCsv(trace) {
  const lines = ['challenge,arrival,duration_s'];
  for (const s of trace) lines.push(`${s.challenge},${new Date(s.arrivalMs).toISOString().replace('.000Z', 'Z')},${s.durationMs / 1000}`);
  return lines.join('\n') + '\n';
}

//   node scripts/make-trace.js --sweep-bench > /tmp/100k.csv   (about 100,000 submissions, docs/performance.md)
//   node scripts/make-trace.js --held-out 7 > /tmp/nov-7.csv    (a held-out month, docs/simulate.md)
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [flag, arg] = process.argv.slice(2);
  if (flag === '--held-out' && !/^\d+$/.test(arg ?? '')) {
    process.stderr.write('make-trace: --held-out needs a seed, a whole number (7)\n');
    process.exit(2);
  }
  process.stdout.write(toCsv(flag === '--sweep-bench' ? sweepBenchTrace() : flag === '--held-out' ? heldOutTrace(Number(arg)) : monthTrace()));
}
