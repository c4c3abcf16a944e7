// What any scale-workers policy could reach on a make-trace.js month, one worker per challenge
// (docs/simulate.md, "Keep-alive from the challenge's idle times", "Why not: two bounds").
//   node scripts/workers-bound.js [--held-out SEED] POLICY...
// POLICY: reactive | peek | rate:R. The model of docs/simulate.md ("The model"), 1-minute ticks, boot 3 min;
// at each tick the worker is wanted when something is pending, and besides:
//   peek    when the challenge's next submission arrives before the next tick + boot (it sees the
//           future: what a perfect forecast would do; a yardstick, not a policy);
//   rate:R  while the generator's own rate for the challenge, at the tick or at the tick + boot, is at
//           least R submissions an hour (what the best forecast from any history could know, and more).
// Wanted and down: start (ready at tick + boot); not wanted and up: stop. Prints worker-hours, cold
// starts, the nearest-rank p50 and p95 of the waits and how many waited at most 3 min.
import { fileURLToPath } from 'node:url';
import { generateTrace, heldOutSpec, monthSpec, ratePerMinute } from './make-trace.js';

const M = 60_000;
const BOOT = 3 * M;
const TICK = M;

/** One policy over a spec's trace: { workerHours, coldStarts, p50, p95 (s), atMost3 }. */
export function bound(spec, policy) {
  const rate = policy.startsWith('rate:') ? Number(policy.slice(5)) : Infinity;
  const peek = policy === 'peek';
  const trace = generateTrace(spec);
  const t0 = Math.floor(trace[0].arrivalMs / M) * M;
  const groups = new Map();
  for (const s of trace) (groups.get(s.challenge) ?? groups.set(s.challenge, []).get(s.challenge)).push(s);
  const end = spec.startMs + spec.days * 1440 * M; // the generator draws nothing from here on: its rate is 0
  let workerMs = 0;
  let coldStarts = 0;
  const waits = [];
  for (const [id, subs] of groups) {
    const c = spec.challenges.find((x) => x.id === id);
    const perHour = (t) => (t >= end ? 0 : ratePerMinute(c, Math.floor(t / M) * M) * 60);
    const n = subs.length;
    const starts = new Float64Array(n);
    let arrived = 0;
    let assigned = 0;
    let completed = 0;
    let last = -Infinity;
    let up = false;
    let requestedAt = 0;
    let readyAt = 0;
    const assign = () => {
      for (; assigned < arrived; assigned++) {
        const s = subs[assigned];
        starts[assigned] = Math.max(s.arrivalMs, last, readyAt);
        last = starts[assigned] + s.durationMs;
      }
    };
    for (let k = 0; ; k++) {
      const t = t0 + k * TICK;
      while (arrived < n && subs[arrived].arrivalMs <= t) arrived++;
      if (up) assign();
      while (completed < assigned && starts[completed] + subs[completed].durationMs <= t) completed++;
      let want = arrived - completed > 0;
      if (!want && rate < Infinity) want = Math.max(perHour(t), perHour(t + BOOT)) >= rate;
      if (!want && peek && arrived < n) want = subs[arrived].arrivalMs - BOOT < t + TICK;
      if (want && !up) {
        up = true;
        requestedAt = t;
        readyAt = t + BOOT;
        coldStarts++;
        assign();
      } else if (!want && up) {
        up = false;
        workerMs += t - requestedAt;
      }
      if (completed === n && !up && (rate === Infinity || t >= end)) break;
    }
    subs.forEach((s, j) => waits.push((starts[j] - s.arrivalMs) / 1000));
  }
  waits.sort((a, b) => a - b);
  const rank = (p) => waits[Math.ceil((p / 100) * waits.length) - 1];
  return { workerHours: workerMs / 3_600_000, coldStarts, p50: rank(50), p95: rank(95), atMost3: waits.filter((w) => w <= 180).length, submissions: waits.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let spec = monthSpec();
  if (args[0] === '--held-out') {
    if (!/^\d+$/.test(args[1] ?? '')) {
      process.stderr.write('workers-bound: --held-out needs a seed, a whole number (7)\n');
      process.exit(2);
    }
    spec = heldOutSpec(Number(args[1]));
    args.splice(0, 2);
  }
  const bad = args.find((p) => !/^(reactive|peek|rate:\d+(\.\d+)?)$/.test(p));
  if (args.length === 0 || bad !== undefined) {
    process.stderr.write(`workers-bound: ${bad === undefined ? 'no policy' : `"${bad}" is not a policy`}: reactive, peek or rate:R (submissions an hour)\n`);
    process.exit(2);
  }
  for (const p of args) {
    const r = bound(spec, p);
    process.stdout.write(`${p.padEnd(10)} worker-h ${r.workerHours.toFixed(1)}  cold starts ${r.coldStarts}  wait p50 ${(r.p50 / 60).toFixed(2)} min  p95 ${(r.p95 / 60).toFixed(2)} min  waits <= 3 min: ${r.atMost3} of ${r.submissions}\n`);
  }
}
