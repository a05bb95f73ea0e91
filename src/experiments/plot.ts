// Small dependency-free SVG charts for experiment reports: lines/points over x (linear or log axes) and a heatmap.
export interface Series { name: string; points: [number, number][]; labels?: string[] } // labels: one per point

const W = 600;
const H = 360;
const M = { l: 70, r: 170, t: 34, b: 46 }; // the legend sits in the right margin
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => Number(v.toPrecision(3)).toString();
const text = (x: number, y: number, s: string, attrs = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${esc(s)}</text>`;

/** Tick values for [lo, hi]: powers of ten (and 2·, 5·) on a log axis spanning a decade or more, else about five round
 * numbers (whole numbers only on an `integer` axis such as epochs). */
export function ticks(lo: number, hi: number, log: boolean, integer = false): number[] {
  if (log && Math.log10(hi / lo) >= 1) {
    const steps = Math.log10(hi / lo) <= 3 ? [1, 2, 5] : [1]; // 1-2-5 steps on short log axes
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of steps) { const v = Number((m * 10 ** e).toPrecision(12)); if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v); }
    }
    return out;
  }
  const step0 = (hi - lo) / 5 || Math.abs(lo) || 1;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = Math.max(integer ? 1 : 0, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0)!);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function axis(values: number[], log: boolean, from: number, to: number, integer = false): { at: (v: number) => number; ticks: number[] } {
  const f = (v: number) => (log ? Math.log10(v) : v);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) { lo = log ? lo / 2 : lo - 1; hi = log ? hi * 2 : hi + 1; }
  const [a, b] = [f(lo), f(hi)];
  const pad = (b - a) * 0.05;
  return { at: (v) => from + ((f(v) - (a - pad)) / (b - a + 2 * pad)) * (to - from), ticks: ticks(lo, hi, log, integer) };
}

const frame = (title: string, body: string[], h = H) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="11">\n` +
  `<rect width="${W}" height="${h}" fill="#fff"/>\n${text(W / 2, 18, title, 'text-anchor="middle" font-size="13"')}\n${body.join('\n')}\n</svg>\n`;

/** Lines through each series' points (with markers and optional point labels), axes with ticks, and a legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[],
  o: { logX?: boolean; logY?: boolean; integerX?: boolean; xTicksAtData?: boolean } = {}): string {
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0) && (!o.logY || y > 0));
  if (all.length === 0) return frame(title, [text(W / 2, H / 2, 'no data', 'text-anchor="middle"')]);
  const xa = axis(all.map((p) => p[0]), o.logX ?? false, M.l, W - M.r, o.integerX);
  const xs = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b);
  if (o.xTicksAtData && xs.length <= 10) xa.ticks = xs; // the swept values themselves (Z = 2, 4, …, 256)
  const ya = axis(all.map((p) => p[1]), o.logY ?? false, H - M.b, M.t);
  const body = [`<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#999"/>`];
  for (const t of xa.ticks) body.push(`<line x1="${xa.at(t)}" x2="${xa.at(t)}" y1="${H - M.b}" y2="${H - M.b + 4}" stroke="#999"/>`, text(xa.at(t), H - M.b + 16, num(t), 'text-anchor="middle"'));
  for (const t of ya.ticks) body.push(`<line x1="${M.l - 4}" x2="${W - M.r}" y1="${ya.at(t)}" y2="${ya.at(t)}" stroke="#eee"/>`, text(M.l - 6, ya.at(t) + 4, num(t), 'text-anchor="end"'));
  body.push(text((M.l + W - M.r) / 2, H - 10, xLabel, 'text-anchor="middle"'), text(16, (M.t + H - M.b) / 2, yLabel, `text-anchor="middle" transform="rotate(-90 16 ${(M.t + H - M.b) / 2})"`));
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.map(([x, y], k) => ({ x, y, k })).filter(({ x, y }) => all.some((p) => p[0] === x && p[1] === y));
    if (pts.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map((p) => `${xa.at(p.x).toFixed(1)},${ya.at(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) {
      body.push(`<circle cx="${xa.at(p.x).toFixed(1)}" cy="${ya.at(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
      if (s.labels) body.push(text(xa.at(p.x) + 5, ya.at(p.y) - 5, s.labels[p.k], `fill="${color}"`));
    }
    body.push(`<rect x="${W - M.r + 12}" y="${M.t + 16 * i}" width="10" height="10" fill="${color}"/>`, text(W - M.r + 26, M.t + 16 * i + 9, s.name));
  });
  return frame(title, body);
}

/** A table of colored cells (light = low, dark = high) with the value written in each; lower is better. */
export function heatmap(title: string, rows: string[], cols: string[], values: (number | null)[][]): string {
  const finite = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const left = 150;
  const top = 60;
  const cw = (W - left - 10) / Math.max(1, cols.length);
  const ch = 36;
  const body: string[] = [];
  cols.forEach((c, j) => body.push(text(left + (j + 0.5) * cw, top - 8, c, 'text-anchor="middle"')));
  // The lowest value of each column (the best model for that test) is outlined and bold.
  const best = cols.map((_, j) => Math.min(...values.map((row) => row[j] ?? Infinity)));
  rows.forEach((r, i) => {
    body.push(text(left - 8, top + (i + 0.5) * ch + 4, r, 'text-anchor="end"'));
    values[i].forEach((v, j) => {
      const f = v === null || !(hi > lo) ? 0 : (v - lo) / (hi - lo);
      const shade = Math.round(245 - 170 * f);
      const isBest = v !== null && v === best[j];
      body.push(`<rect x="${(left + j * cw).toFixed(1)}" y="${(top + i * ch).toFixed(1)}" width="${cw.toFixed(1)}" height="${ch.toFixed(1)}" fill="rgb(${shade},${shade},255)" stroke="${isBest ? '#000' : '#fff'}"${isBest ? ' stroke-width="2"' : ''}/>`,
        text(left + (j + 0.5) * cw, top + (i + 0.5) * ch + 4, v === null ? '–' : num(v), `text-anchor="middle" fill="${f > 0.6 ? '#fff' : '#000'}"${isBest ? ' font-weight="bold"' : ''}`));
    });
  });
  body.push(text(left, top + rows.length * ch + 16, 'outlined: the lowest value in its column', 'fill="#555"'));
  return frame(title, body, top + rows.length * ch + 24);
}
