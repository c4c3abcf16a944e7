import { esc } from './chart.js';
import { describeSetting } from './settings.js';
import type { SweepResult } from './sweep-report.js';

const W = 1100;
const PANEL_W = 470;
const PANEL_H = 360;
const LEFT = 70;
const TOP = 80;
const GAP = 70;

/**
 * The sweep as a chart: two panels, cost (hours, across) against wait p95 and wait p50 (up, in
 * minutes). Every setting is a grey dot, the Pareto front blue and joined, the configured setting a
 * black square, the recommendation a red ring. Hand-written SVG, no dependency.
 */
export function renderSweepChart(r: SweepResult): string {
  const unit = r.kind === 'pool' ? 'host-hours' : 'worker-hours';
  const hours = r.rows.map((x) => x.hours);
  const xMax = niceCeil(Math.max(...hours) * 1.02);
  const xMin = 0;
  const out: string[] = [];
  const H = TOP + PANEL_H + 90;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${esc(`sweep${r.pool ? ` of pool ${r.pool}` : ' of scale-workers'}: ${r.rows.length} settings, ${r.submissions} submissions`)}</text>`);
  out.push(`<text x="${LEFT}" y="44" fill="#444">${esc(`grey: a setting; blue: the Pareto front (cost against p50, p95, cold starts); black square: configured; red ring: recommended`)}</text>`);
  const panels: Array<['p95' | 'p50', string]> = [['p95', 'wait p95 (min)'], ['p50', 'wait p50 (min)']];
  panels.forEach(([key, title], k) => {
    const left = LEFT + k * (PANEL_W + GAP);
    const waits = r.rows.map((x) => x.figures.wait[key] / 60);
    const yMax = niceCeil(Math.max(1, ...waits) * 1.05);
    const x = (h: number) => left + ((h - xMin) / (xMax - xMin)) * PANEL_W;
    const y = (m: number) => TOP + PANEL_H - (m / yMax) * PANEL_H;
    out.push(`<rect x="${left}" y="${TOP}" width="${PANEL_W}" height="${PANEL_H}" fill="#fafafa" stroke="#999"/>`);
    out.push(`<text x="${left}" y="${TOP - 10}" font-weight="bold">${esc(title)}</text>`);
    for (let i = 0; i <= 4; i++) {
      const hv = xMin + ((xMax - xMin) * i) / 4;
      const mv = (yMax * i) / 4;
      out.push(`<line x1="${x(hv).toFixed(1)}" y1="${TOP}" x2="${x(hv).toFixed(1)}" y2="${TOP + PANEL_H}" stroke="#e4e4e4"/>`);
      out.push(`<text x="${x(hv).toFixed(1)}" y="${TOP + PANEL_H + 16}" text-anchor="middle" font-size="10" fill="#444">${fmt(hv)}</text>`);
      out.push(`<line x1="${left}" y1="${y(mv).toFixed(1)}" x2="${left + PANEL_W}" y2="${y(mv).toFixed(1)}" stroke="#e4e4e4"/>`);
      out.push(`<text x="${left - 6}" y="${(y(mv) + 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#444">${fmt(mv)}</text>`);
    }
    out.push(`<text x="${left + PANEL_W / 2}" y="${TOP + PANEL_H + 36}" text-anchor="middle" fill="#444">${unit}</text>`);
    r.rows.forEach((row, i) => out.push(`<circle cx="${x(row.hours).toFixed(1)}" cy="${y(waits[i]!).toFixed(1)}" r="2.5" fill="#bbbbbb"><title>${esc(describeSetting(row.setting, r.kind))}</title></circle>`));
    const front = [...r.front].sort((a, b) => r.rows[a]!.hours - r.rows[b]!.hours);
    out.push(`<path d="${front.map((i, j) => `${j ? 'L' : 'M'}${x(r.rows[i]!.hours).toFixed(1)},${y(waits[i]!).toFixed(1)}`).join(' ')}" fill="none" stroke="#1f5fbf" stroke-width="1" stroke-opacity="0.5"/>`);
    for (const i of front) out.push(`<circle cx="${x(r.rows[i]!.hours).toFixed(1)}" cy="${y(waits[i]!).toFixed(1)}" r="3.5" fill="#1f5fbf"><title>${esc(describeSetting(r.rows[i]!.setting, r.kind))}</title></circle>`);
    const c = r.rows[0]!;
    out.push(`<rect x="${(x(c.hours) - 5).toFixed(1)}" y="${(y(waits[0]!) - 5).toFixed(1)}" width="10" height="10" fill="#000000"><title>configured: ${esc(describeSetting(c.setting, r.kind))}</title></rect>`);
    if (r.recommended !== undefined) {
      const rec = r.rows[r.recommended]!;
      out.push(`<circle cx="${x(rec.hours).toFixed(1)}" cy="${y(waits[r.recommended]!).toFixed(1)}" r="8" fill="none" stroke="#d62728" stroke-width="2"><title>recommended: ${esc(describeSetting(rec.setting, r.kind))}</title></circle>`);
    }
    if (key === 'p95') out.push(`<line x1="${left}" y1="${y(r.target.p95 / 60).toFixed(1)}" x2="${left + PANEL_W}" y2="${y(r.target.p95 / 60).toFixed(1)}" stroke="#d62728" stroke-dasharray="4 3"/><text x="${left + PANEL_W - 4}" y="${(y(r.target.p95 / 60) - 4).toFixed(1)}" text-anchor="end" font-size="10" fill="#d62728">target</text>`);
  });
  if (r.recommended !== undefined) out.push(`<text x="${LEFT}" y="${H - 14}" fill="#d62728">${esc(`recommended: ${describeSetting(r.rows[r.recommended]!.setting, r.kind)}`)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
