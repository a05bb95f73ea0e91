// The SAE dashboard's pictures: decoder atoms in a diverging colour map (28×28 images when d_in = 784, else bar
// sparklines), held-out samples in grey, and the DOM-free pieces they need (colour map, log10 density bins, sort
// orders, arrow-key moves in the atom grid), which tests/sae-dashboard.test.ts checks in Node.
import type { ImageShape } from '../viz/grid.ts';
import { axes, cssVar, sized } from './histogram.ts';

/** RdBu-like stops (ColorBrewer): −1 blue, 0 near-white, +1 red. */
const STOPS: [number, number, number][] = [[33, 102, 172], [103, 169, 207], [247, 247, 247], [239, 138, 98], [178, 24, 43]];

/** Diverging colour of t ∈ [−1, 1] (clamped), linear between the stops. */
export function diverging(t: number): [number, number, number] {
  const x = (Math.min(1, Math.max(-1, Number.isFinite(t) ? t : 0)) + 1) * 2; // 0..4
  const i = Math.min(3, Math.floor(x));
  const f = x - i;
  return STOPS[i].map((c, n) => Math.round(c + (STOPS[i + 1][n] - c) * f)) as [number, number, number];
}

/** 28×28 for 784-d data (the digits); other vectors are drawn as bars. */
export const imageShapeFor = (dIn: number): ImageShape | null => (dIn === 784 ? { rows: 28, cols: 28 } : null);

const maxAbs = (v: ArrayLike<number>) => { let m = 0; for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i])); return m || 1; };

/** Paints an atom: one pixel per dimension as an image, or a bar per dimension around a middle line, each scaled so
 * its largest |weight| is full colour (returned, for the colour-bar legend). */
export function paintAtom(canvas: HTMLCanvasElement, w: ArrayLike<number>, shape: ImageShape | null): number {
  const m = maxAbs(w);
  if (shape) {
    const img = new ImageData(shape.cols, shape.rows);
    for (let p = 0; p < shape.rows * shape.cols; p++) img.data.set([...diverging(w[p] / m), 255], 4 * p);
    put(canvas, img);
  } else {
    bars(canvas, w, (v) => diverging(v >= 0 ? 1 : -1), -m, m);
  }
  return m;
}

/** Paints a held-out sample: grey pixels in [0, 1] as an image, or neutral bars. */
export function paintSample(canvas: HTMLCanvasElement, x: ArrayLike<number>, shape: ImageShape | null): void {
  if (shape) {
    const img = new ImageData(shape.cols, shape.rows);
    for (let p = 0; p < shape.rows * shape.cols; p++) {
      const g = Math.round(255 * Math.min(1, Math.max(0, x[p])));
      img.data.set([g, g, g, 255], 4 * p);
    }
    put(canvas, img);
  } else {
    const m = maxAbs(x);
    bars(canvas, x, () => [76, 120, 168], Math.min(0, -m), m);
  }
}

function put(canvas: HTMLCanvasElement, img: ImageData): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(img, 0, 0);
}

const BAR_HEIGHT = 32;

/** One column of pixels per dimension, from the zero line to the value, on a light background. */
function bars(canvas: HTMLCanvasElement, v: ArrayLike<number>, color: (v: number) => [number, number, number], lo: number, hi: number): void {
  const img = new ImageData(Math.max(1, v.length), BAR_HEIGHT);
  img.data.fill(255);
  const y = (value: number) => Math.round(((hi - value) / (hi - lo)) * (BAR_HEIGHT - 1));
  const zero = y(0);
  for (let i = 0; i < v.length; i++) {
    const [a, b] = [y(v[i]), zero].sort((p, q) => p - q);
    const c = color(v[i]);
    for (let r = a; r <= b; r++) img.data.set([...c, 255], 4 * (r * img.width + i));
  }
  put(canvas, img);
}

export interface DensityBins {
  lo: number; // log10 density at the left edge of the first bin
  width: number; // decades per bin
  counts: number[];
  never: number; // latents that fired on no held-out sample (log10 0 = −∞), shown as a bar of their own
}

/** log10 firing densities in bins of `width` decades from the rarest possible density (one sample of `samples`) up
 * to 1; latents that never fired are counted apart. */
export function densityBins(density: ArrayLike<number>, samples: number, width = 0.25): DensityBins {
  const lo = densityFloor(samples, width);
  const counts = new Array<number>(Math.max(1, Math.round(-lo / width))).fill(0);
  let never = 0;
  for (let j = 0; j < density.length; j++) {
    if (!(density[j] > 0)) { never++; continue; }
    counts[binOf(density[j], lo, width, counts.length)]++;
  }
  return { lo, width, counts, never };
}

/** The left edge of the log10 density axis: one sample of `samples`, rounded down to a whole bin. */
export const densityFloor = (samples: number, width = 0.25) => Math.min(-width, Math.floor(Math.log10(1 / Math.max(1, samples)) / width) * width);

export const binOf = (density: number, lo: number, width: number, bins: number) =>
  Math.min(bins - 1, Math.max(0, Math.floor((Math.log10(density) - lo) / width)));

export const SORTS = { 'density-desc': 'firing density, highest first', 'density-asc': 'firing density, lowest first', index: 'latent index' } as const;
export type SortKey = keyof typeof SORTS;

/** Latent indices in display order; equal densities keep index order. */
export function sortLatents(density: ArrayLike<number>, key: SortKey): number[] {
  const order = Array.from({ length: density.length }, (_, j) => j);
  if (key === 'density-desc') order.sort((a, b) => density[b] - density[a] || a - b);
  if (key === 'density-asc') order.sort((a, b) => density[a] - density[b] || a - b);
  return order;
}

/** Where an arrow, Home or End key moves the focus in a grid of `count` tiles laid out `cols` to a row (null: not a
 * grid key). Moves stop at the edges. */
export function gridMove(at: number, key: string, count: number, cols: number): number | null {
  const to = ({ ArrowLeft: at - 1, ArrowRight: at + 1, ArrowUp: at - cols, ArrowDown: at + cols, Home: 0, End: count - 1 } as Record<string, number>)[key];
  if (to === undefined) return null;
  return to < 0 || to >= count ? at : to;
}

/** SVG polyline points of `values` across a w × h box (1 unit of margin), the largest at the top; a flat series
 * is drawn through the middle. */
export function trendPoints(values: number[], w: number, h: number): string {
  const lo = Math.min(...values), hi = Math.max(...values);
  const y = (v: number) => (hi > lo ? 1 + ((hi - v) / (hi - lo)) * (h - 2) : h / 2);
  return values.map((v, i) => `${((i / Math.max(1, values.length - 1)) * w).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
}

/** A density as a percentage with enough digits to tell rare latents apart. */
export function percent(d: number): string {
  if (d === 0) return '0%';
  const p = 100 * d;
  return `${p >= 10 ? p.toFixed(1) : p >= 1 ? p.toFixed(2) : p.toPrecision(2)}%`;
}

/** The log10 firing-density histogram of all latents, the never-firing ones as a bar at the left, and `mark` (one
 * latent's density) as a line. Sized to the canvas's CSS width like the page's other plots. */
export function drawDensityHistogram(canvas: HTMLCanvasElement, bins: DensityBins, mark: number | null): void {
  const H = 150;
  const { ctx, W } = sized(canvas, H);
  const pad = { l: 40, r: 12, t: 12, b: 34 };
  const neverW = 22; // the "never" bar, then a gap, then the log axis
  const plotW = W - pad.l - pad.r - neverW - 8;
  const plotH = H - pad.t - pad.b;
  const x0 = pad.l + neverW + 8;
  const hi = 0;
  const xAt = (log: number) => x0 + ((log - bins.lo) / (hi - bins.lo)) * plotW;
  const top = Math.max(1, bins.never, ...bins.counts);
  const yAt = (c: number) => pad.t + plotH - (c / top) * plotH;
  const text = cssVar('--axis', '#444');
  ctx.fillStyle = cssVar('--bar', '#4c78a8');
  bins.counts.forEach((c, i) => { if (c > 0) ctx.fillRect(xAt(bins.lo + i * bins.width) + 1, yAt(c), plotW / bins.counts.length - 2, pad.t + plotH - yAt(c)); });
  ctx.fillStyle = cssVar('--danger', '#b3261e');
  if (bins.never > 0) ctx.fillRect(pad.l + 2, yAt(bins.never), neverW - 4, pad.t + plotH - yAt(bins.never));
  axes(ctx, pad, W, plotH, text);
  ctx.fillStyle = text;
  ctx.textAlign = 'center';
  ctx.fillText('never', pad.l + neverW / 2, pad.t + plotH + 14);
  for (let d = Math.ceil(bins.lo); d <= hi; d++) ctx.fillText(String(d).replace('-', '−'), xAt(d), pad.t + plotH + 14);
  ctx.fillText(plotW > 300 ? 'log10 firing density (fraction of held-out samples)' : 'log10 firing density', x0 + plotW / 2, H - 4);
  ctx.textAlign = 'right';
  for (const c of [0, top]) ctx.fillText(String(c), pad.l - 6, yAt(c) + 4);
  if (mark === null) return;
  const x = mark > 0 ? xAt(Math.log10(mark)) : pad.l + neverW / 2;
  ctx.strokeStyle = '#ff7f0e';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x, pad.t - 4);
  ctx.lineTo(x, pad.t + plotH);
  ctx.stroke();
  ctx.lineWidth = 1;
}
