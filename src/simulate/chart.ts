import type { SimResult } from './simulate.js';

const W = 1100;
const LEFT = 70;
const RIGHT = 20;
const TOP = 70;
const LANE = 150;
const GAP = 36;
const QUEUE = '#e8871e';
const CAPACITY = '#1f5fbf';

/** Text made safe for SVG (also used by the sweep's chart). */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const day = (ms: number) => new Date(ms).toISOString().slice(5, 10);

/**
 * The chart: one lane per policy, time across (UTC), queue depth (queued + running, summed over
 * challenges; a filled area) and workers up (a line) on one scale shared by every lane, each value
 * the time average over a bucket. Hand-written SVG, no dependency.
 */
export function renderChart(r: SimResult): string {
  const bucketMs = r.bucketMs!;
  const lanes = r.policies.filter((p) => p.series);
  const n = lanes[0]!.series!.queue.length;
  const t0 = r.clock.t0;
  const t1 = t0 + n * bucketMs;
  const plotW = W - LEFT - RIGHT;
  const x = (ms: number) => LEFT + ((ms - t0) / (t1 - t0)) * plotW;
  let yMax = 1;
  for (const p of lanes) for (const arr of [p.series!.queue, p.series!.capacity]) for (const v of arr) yMax = Math.max(yMax, v);
  yMax = niceCeil(yMax);
  const H = TOP + lanes.length * (LANE + GAP) + 30;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${esc(r.pool ? `${r.submissions} submissions, pool ${r.pool.name}: queue depth and job slots up, per policy` : `${r.submissions} submissions, ${r.challenges} challenges: queue depth and workers up, per policy`)}</text>`);
  out.push(`<text x="${LEFT}" y="44" fill="#444">${esc(`time average per ${bucketMs / 60_000} min (UTC); tick every ${r.options.intervalMs / 60_000} min, boot ${r.options.bootMs / 60_000} min`)}</text>`);
  // Legend
  const lx = W - RIGHT - 300;
  out.push(`<rect x="${lx}" y="14" width="14" height="10" fill="${QUEUE}" fill-opacity="0.55" stroke="${QUEUE}"/>`);
  out.push(`<text x="${lx + 20}" y="24">queue depth (queued + running)</text>`);
  out.push(`<line x1="${lx}" y1="37" x2="${lx + 14}" y2="37" stroke="${CAPACITY}" stroke-width="2"/>`);
  out.push(`<text x="${lx + 20}" y="42">${r.pool ? `job slots up (hosts × ${r.pool.slots})` : 'workers up'}</text>`);

  const dayMs = 86_400_000;
  const span = t1 - t0;
  const stepDays = span > 120 * dayMs ? 30 : span > 20 * dayMs ? 7 : span > 4 * dayMs ? 1 : 0;
  const ticks: number[] = [];
  if (stepDays) {
    for (let d = Math.ceil(t0 / dayMs) * dayMs; d <= t1; d += dayMs) ticks.push(d);
  } else {
    const hour = 3_600_000;
    const step = span > dayMs ? 6 * hour : hour;
    for (let h = Math.ceil(t0 / step) * step; h <= t1; h += step) ticks.push(h);
  }
  const labelled = (ms: number, i: number) => (stepDays ? (stepDays === 1 || i % stepDays === 0) : true);

  lanes.forEach((p, li) => {
    const top = TOP + li * (LANE + GAP);
    const bottom = top + LANE;
    const y = (v: number) => bottom - (v / yMax) * LANE;
    out.push(`<text x="${LEFT}" y="${top - 8}" font-weight="bold">${esc(`${p.policy}`)}</text>`);
    out.push(`<text x="${LEFT + 90}" y="${top - 8}" fill="#444">${esc(`${p.label}: ${p.workerHours.toFixed(1)} ${r.pool ? 'host' : 'worker'}-h (${Number.isFinite(p.workerHoursVsOracle) ? p.workerHoursVsOracle.toFixed(2) : 'inf'} x oracle), ${p.coldStarts} cold starts, wait p95 ${(p.wait.p95 / 60).toFixed(1)} min`)}</text>`);
    out.push(`<rect x="${LEFT}" y="${top}" width="${plotW}" height="${LANE}" fill="#fafafa" stroke="#999"/>`);
    ticks.forEach((tm, i) => {
      const tx = x(tm).toFixed(1);
      const major = labelled(tm, i);
      out.push(`<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="${major ? '#ddd' : '#f0f0f0'}"/>`);
      if (major) out.push(`<text x="${tx}" y="${bottom + 14}" text-anchor="middle" font-size="10" fill="#444">${stepDays ? day(tm) : new Date(tm).toISOString().slice(11, 16)}</text>`);
    });
    for (const v of [0, yMax / 2, yMax]) {
      out.push(`<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#444">${fmt(v)}</text>`);
      if (v > 0) out.push(`<line x1="${LEFT}" y1="${y(v).toFixed(1)}" x2="${LEFT + plotW}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>`);
    }
    const { queue, capacity } = p.series!;
    const bx = (i: number) => x(t0 + i * bucketMs).toFixed(1);
    let area = `M${bx(0)},${bottom}`;
    let line = '';
    for (let i = 0; i < n; i++) {
      area += ` L${bx(i)},${y(queue[i]!).toFixed(1)} L${bx(i + 1)},${y(queue[i]!).toFixed(1)}`;
      line += `${i ? ' L' : 'M'}${bx(i)},${y(capacity[i]!).toFixed(1)} L${bx(i + 1)},${y(capacity[i]!).toFixed(1)}`;
    }
    area += ` L${bx(n)},${bottom} Z`;
    out.push(`<path d="${area}" fill="${QUEUE}" fill-opacity="0.55" stroke="${QUEUE}" stroke-width="0.6"/>`);
    out.push(`<path d="${line}" fill="none" stroke="${CAPACITY}" stroke-width="1.4"/>`);
    // The peak of the queue: where the surge is.
    let peak = 0;
    for (let i = 1; i < n; i++) if (queue[i]! > queue[peak]!) peak = i;
    const px = x(t0 + (peak + 0.5) * bucketMs);
    const anchor = px > LEFT + plotW * 0.75 ? 'end' : 'start';
    out.push(`<text x="${(px + (anchor === 'end' ? -6 : 6)).toFixed(1)}" y="${(y(queue[peak]!) + 12).toFixed(1)}" text-anchor="${anchor}" font-size="10" fill="#8a4a00">${esc(`peak ${queue[peak]!.toFixed(1)} pending, ${new Date(t0 + peak * bucketMs).toISOString().slice(5, 16).replace('T', ' ')}`)}</text>`);
  });
  out.push(`<text x="${LEFT + plotW / 2}" y="${H - 8}" text-anchor="middle" fill="#444">time (UTC, month-day)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
