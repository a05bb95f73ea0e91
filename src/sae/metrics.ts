// The held-out metrics of a sparse autoencoder, finished on the CPU from sums made on the GPU (SaeTrainer.evaluate):
// L0, FVU, test MSE, the dead fraction, and the log10 firing-density histogram of the latents.
import type { SaeLayout } from './kernels.ts';

/** Latents by log10 of their firing density on the held-out split (fraction of samples where z > 0): `counts[i]`
 * latents have log10 density in [edges[i], edges[i + 1]) (the last bin includes 0, density 1); `neverFired` have
 * density 0. */
export interface FiringDensity { edges: number[]; counts: number[]; neverFired: number }

export interface SaeMetrics {
  epoch: number; // 1-based
  trainRecon: number; // mean over the epoch's steps of the batch recon MSE
  trainAux: number; // mean over the epoch's steps of the weighted AuxK term (TopK kinds)
  trainPenalty: number; // mean over the epoch's steps of the weighted sparsity penalty (JumpReLU L0, L1)
  testMse: number; // held-out mean (x̂ − x)²
  fvu: number; // Σ (x̂ − x)² / Σ (x − mean)² on the held-out split
  explainedVariance: number; // 1 − FVU
  l0: number; // mean active latents per held-out sample
  deadFraction: number; // latents that have not fired in the last deadAfter training samples
  firingDensity: FiringDensity;
  mmcs: number | null; // mean max |cosine| of the true features with the decoder rows, when the data has a dictionary
}

/** Bins of half a decade from 10⁻⁸ to 1. */
export const DENSITY_EDGES = Array.from({ length: 17 }, (_, i) => -8 + i / 2);

export function firingDensity(fires: Uint32Array, samples: number): FiringDensity {
  const bins = DENSITY_EDGES.length - 1;
  const counts = new Array<number>(bins).fill(0);
  let neverFired = 0;
  for (const c of fires) {
    if (c === 0) { neverFired++; continue; }
    const at = Math.floor((Math.log10(c / samples) - DENSITY_EDGES[0]) * 2);
    counts[Math.min(bins - 1, Math.max(0, at))]++;
  }
  return { edges: DENSITY_EDGES.slice(), counts, neverFired };
}

/** GPU sums read back after an evaluation: `stats` (sae_update.wgsl saeEvalStats), the epoch's training `sums`, the
 * dead-latent `counters` and each latent's held-out firing count `fires` (their sum gives L0). */
export interface SaeSums { stats: Float32Array; sums: Float32Array; counters: Uint32Array; fires: Uint32Array }

/** Σ over rows and dimensions of (x − the dimension's mean)², in float64: FVU's denominator. (From the GPU's f32 Σx and
 * Σx², Σx² − (Σx)²/n cancels badly where a dimension's mean is large against its spread, as in real activations.) */
export function totalVariance(m: { rows: number; cols: number; values: Float32Array }): number {
  const mean = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) mean[c] += m.values[r * m.cols + c];
  for (let c = 0; c < m.cols; c++) mean[c] /= m.rows;
  let total = 0;
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) total += (m.values[r * m.cols + c] - mean[c]) ** 2;
  return total;
}

/** `variance`: totalVariance of the held-out vectors the GPU evaluated. */
export function saeMetrics(epoch: number, g: SaeSums, l: SaeLayout, cfg: { deadAfter: number }, mmcs: number | null, variance: number): SaeMetrics {
  const { stats, sums } = g;
  const [errSq, , samples] = stats;
  const active = g.fires.reduce((a, c) => a + c, 0); // held-out (sample, latent) pairs with z > 0
  const fvu = errSq / variance;
  const dead = g.counters.reduce((a, c) => a + (c >= cfg.deadAfter ? 1 : 0), 0);
  const steps = Math.max(1, sums[2]);
  return { epoch, trainRecon: sums[0] / steps, trainAux: sums[1] / steps, trainPenalty: sums[3] / steps, testMse: errSq / (samples * l.dIn), fvu,
    explainedVariance: 1 - fvu, l0: active / samples, deadFraction: dead / l.dSae, firingDensity: firingDensity(g.fires, samples), mmcs };
}
