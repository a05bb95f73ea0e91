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

export function drawActivity(canvas: HTMLCanvasElement, caption: HTMLElement, rhoHat: Float64Array, rows: number, m: EpochMetrics, cfg: TrainConfig): void {
  const hi = Math.max(1, ...rhoHat);
  const counts = histogram(rhoHat, BINS, hi);
  const ctx = canvas.getContext('2d')!;
  const { width: W, height: H } = canvas;
  const pad = { l: 30, r: 8, t: 8, b: 22 };
  const plotW = W - pad.l - pad.r;
  const plotH = H - pad.t - pad.b;
  const top = Math.max(1, ...counts);
  const xAt = (v: number) => pad.l + (v / hi) * plotW;
  ctx.clearRect(0, 0, W, H);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#4c78a8';
  counts.forEach((c, i) => {
    const h = (c / top) * plotH;
    ctx.fillRect(pad.l + (i * plotW) / BINS + 1, pad.t + plotH - h, plotW / BINS - 2, h);
  });
  ctx.strokeStyle = '#888';
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t + plotH + 0.5);
  ctx.lineTo(W - pad.r, pad.t + plotH + 0.5);
  ctx.stroke();
  ctx.fillStyle = '#444';
  for (const v of [0, hi / 2, hi]) ctx.fillText(v.toFixed(v === 0 ? 0 : 2), xAt(v) - 8, H - 6);
  ctx.fillText(String(top), 4, pad.t + 10);
  const mean = rhoHat.reduce((a, b) => a + b, 0) / rhoHat.length;
  const marks: [number, string, string][] = [[mean, '#ff7f0e', 'mean']];
  if (cfg.sparsity.kind === 'kl') marks.push([cfg.sparsity.rho, '#d62728', 'ρ']);
  for (const [v, color, label] of marks) {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(xAt(v) + 0.5, pad.t);
    ctx.lineTo(xAt(v) + 0.5, pad.t + plotH);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillText(label, xAt(v) + 3, pad.t + (label === 'ρ' ? 22 : 10));
  }
  const dead = m.lifetime_sparsity.filter((f) => f === 0).length;
  const z = m.lifetime_sparsity.length;
  caption.textContent = `ρ̂ per unit over ${rows} test images: mean ${mean.toFixed(3)}` +
    `${cfg.sparsity.kind === 'kl' ? ` (target ρ = ${cfg.sparsity.rho})` : ''}. Whole test split: mean activity ${m.mean_activity.toFixed(3)}, ` +
    `population sparsity ${(100 * m.population_sparsity).toFixed(1)}% of units active (> 0.1) per image, ` +
    `${dead}/${z} units never active.`;
}
