// The code-activity histogram: how many code units have each mean activity ρ̂_j (over the displayed test batch),
// with the sparsity target ρ and the mean marked, and the engine's sparsity figures for the whole test split.
import type { TrainConfig } from '../model/config.ts';
import type { EpochMetrics } from '../train/trainer.ts';

const BINS = 20;

export function histogram(values: ArrayLike<number>, bins: number, hi: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.max(0, Math.floor((values[i] / hi) * bins)))]++;
  return counts;
}

export const cssVar = (name: string, fallback: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/** Size `canvas` to its CSS width × `H` at the device pixel ratio; drawing is then in CSS pixels. */
export function sized(canvas: HTMLCanvasElement, H: number): { ctx: CanvasRenderingContext2D; W: number } {
  const dpr = window.devicePixelRatio || 1;
  const W = Math.max(200, canvas.clientWidth || 440);
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, W };
}

/** The left and bottom axis lines of a plot area. */
export function axes(ctx: CanvasRenderingContext2D, pad: { l: number; r: number; t: number }, W: number, plotH: number, color: string): void {
  ctx.strokeStyle = color;
  ctx.beginPath();
  ctx.moveTo(pad.l - 0.5, pad.t);
  ctx.lineTo(pad.l - 0.5, pad.t + plotH + 0.5);
  ctx.lineTo(W - pad.r, pad.t + plotH + 0.5);
  ctx.stroke();
}

/** Sized to the canvas's CSS width (sharp at any device pixel ratio); axes labelled, ρ and the mean marked. */
export function drawActivity(canvas: HTMLCanvasElement, caption: HTMLElement, rhoHat: Float64Array, rows: number, m: EpochMetrics, cfg: TrainConfig): void {
  const hi = Math.max(1, ...rhoHat); // bounded codes: [0, 1]; ReLU codes can exceed 1
  const counts = histogram(rhoHat, BINS, hi);
  const H = 200;
  const { ctx, W } = sized(canvas, H);
  const pad = { l: 46, r: 18, t: 10, b: 40 };
  const plotW = W - pad.l - pad.r;
  const plotH = H - pad.t - pad.b;
  const top = Math.max(1, ...counts);
  const xAt = (v: number) => pad.l + (v / hi) * plotW;
  const yAt = (c: number) => pad.t + plotH - (c / top) * plotH;
  const text = cssVar('--axis', '#444');
  ctx.fillStyle = cssVar('--bar', '#4c78a8');
  counts.forEach((c, i) => ctx.fillRect(pad.l + (i * plotW) / BINS + 1, yAt(c), plotW / BINS - 2, pad.t + plotH - yAt(c)));
  axes(ctx, pad, W, plotH, text);
  ctx.fillStyle = text;
  ctx.textAlign = 'center';
  for (const f of [0, 0.25, 0.5, 0.75, 1]) ctx.fillText((f * hi).toFixed(2), xAt(f * hi), pad.t + plotH + 14);
  ctx.fillText('mean activity ρ̂ⱼ of a unit over the test batch', pad.l + plotW / 2, H - 6);
  ctx.textAlign = 'right';
  for (const c of [0, Math.round(top / 2), top]) ctx.fillText(String(c), pad.l - 6, yAt(c) + 4);
  ctx.save();
  ctx.translate(12, pad.t + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText('units', 0, 0);
  ctx.restore();
  ctx.textAlign = 'left';
  const mean = rhoHat.reduce((a, b) => a + b, 0) / rhoHat.length;
  const marks: [number, string, string][] = [[mean, '#ff7f0e', `mean ${mean.toFixed(3)}`]];
  if (cfg.sparsity.kind === 'kl') marks.push([cfg.sparsity.rho, '#d62728', `ρ = ${cfg.sparsity.rho}`]);
  marks.forEach(([v, color, label], k) => {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(xAt(v) + 0.5, pad.t);
    ctx.lineTo(xAt(v) + 0.5, pad.t + plotH);
    ctx.stroke();
    ctx.setLineDash([]);
    // Labels sit on a patch of the card's colour so they stay readable over the bars.
    const width = ctx.measureText(label).width;
    const right = xAt(v) + 4 + width > W - pad.r;
    const x = right ? xAt(v) - 4 - width : xAt(v) + 4;
    const y = pad.t + 10 + 13 * k;
    ctx.fillStyle = cssVar('--card', '#fff');
    ctx.fillRect(x - 2, y - 10, width + 4, 13);
    ctx.fillStyle = color;
    ctx.textAlign = 'left';
    ctx.fillText(label, x, y);
  });
  ctx.textAlign = 'left';
  const dead = m.lifetime_sparsity.filter((f) => f === 0).length;
  const z = m.lifetime_sparsity.length;
  caption.textContent = `ρ̂ per unit over ${rows} test images: mean ${mean.toFixed(3)}` +
    `${cfg.sparsity.kind === 'kl' ? ` (target ρ = ${cfg.sparsity.rho})` : ''}. Whole test split: mean activity ${m.mean_activity.toFixed(3)}, ` +
    `population sparsity ${(100 * m.population_sparsity).toFixed(1)}% of units active (> 0.1) per image, ` +
    `${dead}/${z} units never active.`;
}

/** Per-unit lifetime sparsity: the fraction of test images that activate each unit, units sorted from most to
 * least used, so dead units (0) and always-on units (1) stand out at the ends. */
export function drawLifetime(canvas: HTMLCanvasElement, lifetime: number[]): void {
  const H = 110;
  const { ctx, W } = sized(canvas, H);
  const pad = { l: 46, r: 18, t: 6, b: 30 };
  const plotW = W - pad.l - pad.r;
  const plotH = H - pad.t - pad.b;
  const sorted = [...lifetime].sort((a, b) => b - a);
  const text = cssVar('--axis', '#444');
  ctx.fillStyle = cssVar('--bar', '#4c78a8');
  const w = plotW / Math.max(1, sorted.length);
  sorted.forEach((f, i) => ctx.fillRect(pad.l + i * w, pad.t + plotH * (1 - f), Math.max(1, w - (w > 3 ? 1 : 0)), plotH * f));
  axes(ctx, pad, W, plotH, text);
  ctx.fillStyle = text;
  ctx.textAlign = 'right';
  for (const f of [0, 0.5, 1]) ctx.fillText(f.toFixed(1), pad.l - 6, pad.t + plotH * (1 - f) + 4);
  ctx.textAlign = 'center';
  ctx.fillText(`${sorted.length} units, most used first: fraction of test images activating each (lifetime)`, pad.l + plotW / 2, H - 8);
  ctx.textAlign = 'left';
}
